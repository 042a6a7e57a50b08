"""Builders for valid value objects and for cases walked to a given phase."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from application.service import CareerFlow
from domain.base import By
from domain.case import DevelopmentCase, Phase
from domain.roster import Person
from domain.values import (
    ActionItemSpec,
    Agenda,
    AgendaTopic,
    Aspirations,
    DevelopmentActivity,
    DevelopmentPlan,
    ManagerSupport,
    Measurable,
    Measure,
    Participants,
    Policy,
    Recap,
    ReflectAndReadjust,
    SelfAssessment,
    SkillFit,
    SmartErGoal,
    StarAchievement,
    StarResult,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CYCLE_CLOSES = datetime(2026, 12, 18, 17, 0, tzinfo=UTC)
EMP, MGR, SKIP, HRP, PEER, STRANGER = "emp", "mgr", "skip", "hrp", "peer", "stranger"


def at(days: float) -> datetime:
    """A time ``days`` after the cycle opened."""
    return T0 + timedelta(days=days)


def participants(employee: str = EMP, manager: str = MGR, **kw: Any) -> Participants:
    fields: dict[str, Any] = {"skip_level_id": SKIP, "hr_partner_id": HRP} | kw
    return Participants(employee_id=employee, manager_id=manager, **fields)


def goal(goal_id: str = "g1", **overrides: Any) -> SmartErGoal:
    fields: dict[str, Any] = {
        "goal_id": goal_id,
        "specific": "Run the quarterly architecture review",
        "measurable": Measurable(metric="reviews run", target=4, unit="reviews"),
        "achievable": "Already co-ran one with the staff engineer",
        "relevant": "The team's OKR is fewer design regressions",
        "due_on": date(2026, 9, 30),
        "emotional_connection": "I enjoy helping others design",
        "reflect_and_readjust": ReflectAndReadjust(every=timedelta(days=30), how="at check-ins"),
    }
    return SmartErGoal(**(fields | overrides))


def plan(*goals: SmartErGoal) -> DevelopmentPlan:
    return DevelopmentPlan(
        goals=list(goals) or [goal()],
        activities=[
            DevelopmentActivity(kind="mentoring", description="Pair with a staff engineer")
        ],
        support=ManagerSupport(description="Time in the sprint", sponsorship=True),
        alignment=["OKR: fewer design regressions"],
    )


def self_assessment() -> SelfAssessment:
    return SelfAssessment(
        skills=[SkillFit(skill="Python", fit="The platform is Python")],
        achievements=[
            StarAchievement(
                situation="Builds took 40 minutes",
                task="Make CI fast",
                action="Cached dependencies and split the suite",
                result=StarResult(
                    description="Build time fell",
                    measure=Measure(metric="build minutes", value=8, baseline=40),
                ),
            )
        ],
        aspirations=Aspirations(next_roles=["Tech lead"]),
    )


def agenda() -> Agenda:
    return Agenda(topics=[AgendaTopic.ACHIEVEMENTS, AgendaTopic.GOALS])


def recap(*items: ActionItemSpec, follow_up_on: date = date(2026, 2, 20)) -> Recap:
    return Recap(
        learned="Wants to lead design work", action_items=list(items), follow_up_on=follow_up_on
    )


def item_spec(
    owner: str = EMP, due: float = 40, title: str = "Read the design docs"
) -> ActionItemSpec:
    return ActionItemSpec(title=title, owner_id=owner, due_at=at(due))


def new_case(
    policy: Policy | None = None, people: Participants | None = None, cycle_id: UUID | None = None
) -> DevelopmentCase:
    return DevelopmentCase.open(
        cycle_id=cycle_id or uuid4(),
        participants=people or participants(),
        policy=policy or Policy(),
        cycle_opens_at=T0,
        cycle_closes_at=CYCLE_CLOSES,
        okr_planning_on=date(2026, 3, 2),
        by=By("hr", T0),
    )


# The happy path, as (phase reached, step) pairs; ``walk`` replays a prefix of it.
MEETING_DAY = 10.0


def _steps(case: DevelopmentCase) -> list[tuple[Phase, Any]]:
    return [
        (
            Phase.MEETING_REQUESTED,
            lambda: case.request_meeting(proposed_for=at(MEETING_DAY), by=By(EMP, at(1))),
        ),
        (Phase.MEETING_SCHEDULED, lambda: case.accept_meeting(by=By(MGR, at(2)))),
        (
            Phase.MEETING_HELD,
            lambda: case.hold_meeting(held_at=at(MEETING_DAY), by=By(MGR, at(MEETING_DAY))),
        ),
        (Phase.PLAN_DRAFTED, lambda: case.draft_plan(plan=plan(), by=By(EMP, at(12)))),
        (Phase.PLAN_SUBMITTED, lambda: case.submit_plan(by=By(EMP, at(13)))),
        (Phase.PLAN_APPROVED, lambda: case.approve_plan(by=By(MGR, at(14)))),
    ]


def walk(case: DevelopmentCase, to: Phase) -> DevelopmentCase:
    """Drive ``case`` along the happy path until it reaches phase ``to``."""
    if case.phase is to:
        return case
    for reached, step in _steps(case):
        step()
        if reached is to:
            return case
    raise ValueError(f"{to} is not on the happy path")


def open_cycle_with(
    app: CareerFlow,
    people: Sequence[Participants],
    *,
    start: datetime = T0,
    closes: datetime = CYCLE_CLOSES,
    policy: Policy | None = None,
    okr_planning_on: date | None = None,
) -> UUID:
    """A cycle of its own, opened for ``people`` through the application (as HR opens one)."""
    cycle_id = uuid4()
    app.create_cycle(
        cycle_id=cycle_id,
        name="test",
        opens_at=start,
        closes_at=closes,
        okr_planning_on=okr_planning_on,
        policy=policy or Policy(),
        actor="hr",
        at=start,
    )
    app.open_cycle(cycle_id, population=list(people), actor="hr", at=start)
    return cycle_id


def company(count: int) -> list[Person]:
    """A roster of ``count`` people, ten reports per manager under one CEO (``p000000``)."""
    return [
        Person(
            employee_id=f"p{i:06d}",
            name=f"Person {i}",
            email=f"p{i}@example.com",
            manager_id=None if i == 0 else f"p{(i - 1) // 10:06d}",
            department=f"Dept {i % 40}",
        )
        for i in range(count)
    ]


def phase_of(case: DevelopmentCase) -> Phase:
    """The phase, read through a call so mypy does not keep an earlier narrowing."""
    return case.phase


def events_of(case: DevelopmentCase) -> list[str]:
    return [type(e).__name__ for e in case.pending_events]
