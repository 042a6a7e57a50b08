"""A scripted walk of one complete case, used by ``careerflow demo`` (and ``make run``).

Every step carries an idempotency key and fixed occurred-at times, so running the
demo again against the same store adds nothing and prints the same history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid5

from application.service import CareerFlow
from domain import commands as c
from domain.base import SYSTEM_ACTOR
from domain.case import DevelopmentCase
from domain.item_commands import CompleteActionItem
from domain.plan_commands import ApprovePlan, CloseCase, DraftPlan, HoldCheckIn, SubmitPlan
from domain.timer_commands import MarkCheckInDue
from domain.values import (
    ActionItemSpec,
    AgendaTopic,
    Aspirations,
    DevelopmentActivity,
    DevelopmentPlan,
    FeedbackPoint,
    Gap,
    GoalProgress,
    ManagerSupport,
    Measurable,
    Measure,
    Participants,
    PeerFeedback,
    ReflectAndReadjust,
    SkillFit,
    SmartErGoal,
    StarAchievement,
    StarResult,
)

DEMO_NAMESPACE = UUID("6f1c2f3e-4d5a-4b6c-8d7e-9f0a1b2c3d4e")
DEMO_CYCLE_ID = uuid5(DEMO_NAMESPACE, "demo-cycle-2026")
OPENS = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 12, 18, 17, 0, tzinfo=UTC)

EMPLOYEE = Participants(
    employee_id="ada", manager_id="grace", skip_level_id="edsger", hr_partner_id="frances"
)


def demo_goal() -> SmartErGoal:
    return SmartErGoal(
        goal_id="lead-incident-reviews",
        specific="Lead the monthly incident review for the payments team",
        measurable=Measurable(metric="reviews facilitated", target=6, unit="reviews"),
        achievable="Shadowed two reviews already; manager will co-facilitate the first",
        relevant="Payments reliability is the team's top OKR this year",
        due_on=date(2026, 9, 30),
        emotional_connection="I want to be the person others call when things break",
        reflect_and_readjust=ReflectAndReadjust(
            every=timedelta(days=30), how="review facilitation notes at each check-in"
        ),
    )


def demo_plan() -> DevelopmentPlan:
    return DevelopmentPlan(
        goals=[demo_goal()],
        activities=[
            DevelopmentActivity(kind="training", description="Incident command course"),
            DevelopmentActivity(kind="mentoring", description="Monthly session with Edsger"),
        ],
        support=ManagerSupport(description="Co-facilitate the first review", sponsorship=True),
        alignment=["OKR: payments availability 99.95%"],
    )


def _t(days: float) -> datetime:
    return OPENS + timedelta(days=days)


def demo_script() -> list[tuple[str, float, c.CaseCommand]]:
    """(who, day, step) for Ada's case, from her self-assessment to the first check-in."""
    return [
        ("ada", 1, c.RecordSelfAssessment(
            skills=[SkillFit(skill="Postgres tuning", fit="Payments runs on Postgres")],
            achievements=[StarAchievement(
                situation="Checkout latency spiked every Friday",
                task="Find and remove the cause before Black Friday",
                action="Profiled queries and added two partial indexes",
                result=StarResult(
                    description="p95 checkout latency fell",
                    measure=Measure(metric="p95 latency", value=180, unit="ms", baseline=900),
                ),
            )],
            gaps=[Gap(kind="experience", description="Never led an incident review")],
            aspirations=Aspirations(next_roles=["Staff engineer"], interests=["reliability"]),
        )),
        ("ada", 1.1, c.ProposeGoal.of(demo_goal())),
        ("ada", 1.2, c.RequestPeerFeedback(peer_id="linus")),
        ("linus", 2, c.GivePeerFeedback(
            feedback=PeerFeedback(strengths=["Calm under pressure"], improvements=["Share earlier"])
        )),
        ("ada", 3, c.RequestMeeting(proposed_for=_t(12))),
        ("grace", 4, c.AcceptMeeting()),
        ("ada", 5, c.ShareAgenda(
            topics=[AgendaTopic.ACHIEVEMENTS, AgendaTopic.GOALS, AgendaTopic.NEXT_STEPS]
        )),
        ("grace", 12.1, c.HoldMeeting(held_at=_t(12))),
        ("grace", 12.2, c.GiveFeedback(
            strengths=[FeedbackPoint(point="Ownership", example="The Friday latency fix")]
        )),
        ("ada", 12.2, c.GiveFeedback(
            improvements=[FeedbackPoint(point="More context", example="Priorities in sprint 3")]
        )),
        ("grace", 12.3, c.ShareRecap(
            learned="Ada wants to grow toward incident leadership",
            action_items=[
                ActionItemSpec(
                    title="Enrol in incident command course", owner_id="ada", due_at=_t(30)
                ),
                ActionItemSpec(
                    title="Introduce Ada to the SRE guild", owner_id="grace", due_at=_t(20)
                ),
            ],
            follow_up_on=date(2026, 2, 16),
        )),
        ("ada", 15, DraftPlan.of(demo_plan())),
        ("ada", 16, SubmitPlan()),
        ("grace", 18, ApprovePlan()),
    ]  # fmt: skip


DEMO_KEYS = (
    "self-assessment", "goal", "peer-request", "peer-feedback", "request", "accept", "agenda",
    "held", "feedback-manager", "feedback-employee", "recap", "draft", "submit", "approve",
)  # fmt: skip
"""The steps' idempotency keys (as earlier versions of the demo recorded them)."""


def run_demo(app: CareerFlow) -> DevelopmentCase:
    """Walk one employee through every step of the process (idempotent: keys name each step)."""
    app.create_cycle(
        cycle_id=DEMO_CYCLE_ID,
        name="Career conversations 2026",
        opens_at=OPENS,
        closes_at=CLOSES,
        okr_planning_on=date(2026, 3, 2),
        actor="hr-admin",
        at=OPENS,
    )
    app.open_cycle(DEMO_CYCLE_ID, population=[EMPLOYEE], actor="hr-admin", at=OPENS)
    case_id = app.case_for(DEMO_CYCLE_ID, EMPLOYEE.employee_id).id
    for key, (who, day, command) in zip(DEMO_KEYS, demo_script(), strict=True):
        app.execute(case_id, command, actor=who, at=_t(day), idempotency_key=f"demo-{key}")
    for item_id in app.get_case(case_id).action_item_ids:
        done = CompleteActionItem()
        app.execute(item_id, done, actor="ada", at=_t(19), idempotency_key="demo-done")
    app.execute(case_id, MarkCheckInDue(number=1, due_at=_t(48)), actor=SYSTEM_ACTOR, at=_t(48))
    check_in = HoldCheckIn(
        notes="First review facilitated",
        progress=[GoalProgress(goal_id="lead-incident-reviews", percent=20)],
    )
    app.execute(case_id, check_in, actor="grace", at=_t(50), idempotency_key="demo-check-in-1")
    return app.execute(case_id, CloseCase(), actor="hr-admin", at=CLOSES).case
