"""A scripted walk of one complete case, used by ``careerflow demo`` (and ``make run``).

Every step carries an idempotency key and fixed occurred-at times, so running the
demo again against the same store adds nothing and prints the same history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid5

from domain.application import CareerFlow
from domain.base import SYSTEM_ACTOR
from domain.case import DevelopmentCase
from domain.commands import (
    AcceptMeeting,
    ApprovePlan,
    CloseCase,
    CompleteActionItem,
    DraftPlan,
    GiveFeedback,
    GivePeerFeedback,
    HoldCheckIn,
    HoldMeeting,
    MarkCheckInDue,
    ProposeGoal,
    RecordSelfAssessment,
    RequestMeeting,
    RequestPeerFeedback,
    ShareAgenda,
    ShareRecap,
    SubmitPlan,
)
from domain.values import (
    ActionItemSpec,
    Agenda,
    AgendaTopic,
    Aspirations,
    ConversationFeedback,
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
    Recap,
    ReflectAndReadjust,
    SelfAssessment,
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


def run_demo(app: CareerFlow) -> DevelopmentCase:
    """Walk one employee through every step of the process."""
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

    def t(days: float) -> datetime:
        return OPENS + timedelta(days=days)

    app.execute(
        case_id,
        RecordSelfAssessment.of(
            SelfAssessment(
                skills=[SkillFit(skill="Postgres tuning", fit="Payments runs on Postgres")],
                achievements=[
                    StarAchievement(
                        situation="Checkout latency spiked every Friday",
                        task="Find and remove the cause before Black Friday",
                        action="Profiled queries and added two partial indexes",
                        result=StarResult(
                            description="p95 checkout latency fell",
                            measure=Measure(
                                metric="p95 latency", value=180, unit="ms", baseline=900
                            ),
                        ),
                    )
                ],
                gaps=[Gap(kind="experience", description="Never led an incident review")],
                aspirations=Aspirations(next_roles=["Staff engineer"], interests=["reliability"]),
            )
        ),
        actor="ada",
        at=t(1),
        idempotency_key="demo-self-assessment",
    )
    app.execute(
        case_id, ProposeGoal.of(demo_goal()), actor="ada", at=t(1.1), idempotency_key="demo-goal"
    )
    app.execute(
        case_id,
        RequestPeerFeedback(peer_id="linus"),
        actor="ada",
        at=t(1.2),
        idempotency_key="demo-peer-request",
    )
    app.execute(
        case_id,
        GivePeerFeedback(
            feedback=PeerFeedback(strengths=["Calm under pressure"], improvements=["Share earlier"])
        ),
        actor="linus",
        at=t(2),
        idempotency_key="demo-peer-feedback",
    )
    app.execute(
        case_id,
        RequestMeeting(proposed_for=t(12)),
        actor="ada",
        at=t(3),
        idempotency_key="demo-request",
    )
    app.execute(case_id, AcceptMeeting(), actor="grace", at=t(4), idempotency_key="demo-accept")
    app.execute(
        case_id,
        ShareAgenda.of(
            Agenda(topics=[AgendaTopic.ACHIEVEMENTS, AgendaTopic.GOALS, AgendaTopic.NEXT_STEPS])
        ),
        actor="ada",
        at=t(5),
        idempotency_key="demo-agenda",
    )
    app.execute(
        case_id, HoldMeeting(held_at=t(12)), actor="grace", at=t(12.1), idempotency_key="demo-held"
    )
    app.execute(
        case_id,
        GiveFeedback.of(
            ConversationFeedback(
                strengths=[FeedbackPoint(point="Ownership", example="The Friday latency fix")]
            )
        ),
        actor="grace",
        at=t(12.2),
        idempotency_key="demo-feedback-manager",
    )
    app.execute(
        case_id,
        GiveFeedback.of(
            ConversationFeedback(
                improvements=[FeedbackPoint(point="More context", example="Priorities in sprint 3")]
            )
        ),
        actor="ada",
        at=t(12.2),
        idempotency_key="demo-feedback-employee",
    )
    app.execute(
        case_id,
        ShareRecap.of(
            Recap(
                learned="Ada wants to grow toward incident leadership",
                action_items=[
                    ActionItemSpec(
                        title="Enrol in incident command course", owner_id="ada", due_at=t(30)
                    ),
                    ActionItemSpec(
                        title="Introduce Ada to the SRE guild", owner_id="grace", due_at=t(20)
                    ),
                ],
                follow_up_on=date(2026, 2, 16),
            )
        ),
        actor="grace",
        at=t(12.3),
        idempotency_key="demo-recap",
    )
    app.execute(
        case_id, DraftPlan.of(demo_plan()), actor="ada", at=t(15), idempotency_key="demo-draft"
    )
    app.execute(case_id, SubmitPlan(), actor="ada", at=t(16), idempotency_key="demo-submit")
    app.execute(case_id, ApprovePlan(), actor="grace", at=t(18), idempotency_key="demo-approve")
    case = app.get_case(case_id)
    for item_id in case.action_item_ids:
        app.execute(
            item_id, CompleteActionItem(), actor="ada", at=t(19), idempotency_key="demo-done"
        )
    app.execute(case_id, MarkCheckInDue(number=1, due_at=t(48)), actor=SYSTEM_ACTOR, at=t(48))
    app.execute(
        case_id,
        HoldCheckIn(
            notes="First review facilitated",
            progress=[GoalProgress(goal_id="lead-incident-reviews", percent=20)],
        ),
        actor="grace",
        at=t(50),
        idempotency_key="demo-check-in-1",
    )
    return app.execute(case_id, CloseCase(), actor="hr-admin", at=CLOSES).case
