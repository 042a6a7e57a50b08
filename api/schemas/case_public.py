"""Cases and action items as the API shows them (the request bodies are domain commands)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.career_public import CareerPublic
from domain.action_item import ActionItem, ItemStatus
from domain.base import FollowedUp
from domain.case import DevelopmentCase, Phase, PlanStatus
from domain.framework import FrameworkBook
from domain.values import (
    Agenda,
    CaseOutcome,
    DevelopmentPlan,
    Recap,
    SelfAssessment,
    SmartErGoal,
)


def escalations(aggregate: FollowedUp) -> list[dict[str, str | int]]:
    """Every escalation recorded on a case or an action item."""
    return [
        {"deadline": deadline, "rung": rung, "recipient_id": who}
        for (deadline, rung), who in aggregate.escalations.items()
    ]


class PlanVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    status: PlanStatus
    plan: DevelopmentPlan
    drafted_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    late: bool
    readjusted_from: int | None
    comments: list[str]


class CheckInPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    due_at: datetime
    held_at: datetime | None
    missed: bool


class MeetingPublic(BaseModel):
    requested_at: datetime | None
    at: datetime | None
    answered_at: datetime | None
    decline_reason: str | None
    agenda: Agenda | None
    held_at: datetime | None


class CasePublic(BaseModel):
    id: UUID
    cycle_id: UUID
    version: int
    employee_id: str
    manager_id: str
    skip_level_id: str | None
    hr_partner_id: str | None
    phase: Phase
    opened_at: datetime
    self_assessment: SelfAssessment | None
    self_assessed_at: datetime | None
    draft_goals: list[SmartErGoal]
    peer_feedback_requested: list[str]
    peer_feedback_received: int
    meeting: MeetingPublic
    recap: Recap | None
    action_item_ids: list[UUID]
    plan_due_at: datetime | None
    plans: list[PlanVersionPublic]
    approved_version: int | None
    check_ins: list[CheckInPublic]
    goal_progress: dict[str, int]
    reminders: dict[str, str] = Field(description="deadline → who was reminded")
    escalations: list[dict[str, str | int]]
    outcome: CaseOutcome | None
    closed_at: datetime | None
    career: CareerPublic

    @classmethod
    def of(cls, case: DevelopmentCase, book: FrameworkBook | None = None) -> CasePublic:
        """The case; ``book`` (the framework's versions) gives it its gap."""
        people = case.participants
        return cls(
            id=case.id,
            cycle_id=case.cycle_id,
            version=case.version,
            employee_id=people.employee_id,
            manager_id=people.manager_id,
            skip_level_id=people.skip_level_id,
            hr_partner_id=people.hr_partner_id,
            phase=case.phase,
            opened_at=case.opened_at,
            self_assessment=case.self_assessment,
            self_assessed_at=case.self_assessed_at,
            draft_goals=list(case.draft_goals.values()),
            peer_feedback_requested=sorted(case.peer_feedback),
            peer_feedback_received=sum(1 for f in case.peer_feedback.values() if f is not None),
            meeting=MeetingPublic(
                requested_at=case.meeting_requested_at,
                at=case.meeting_at,
                answered_at=case.meeting_answered_at,
                decline_reason=case.decline_reason,
                agenda=case.agenda,
                held_at=case.held_at,
            ),
            recap=case.recap,
            action_item_ids=list(case.action_item_ids),
            plan_due_at=case.plan_due_at,
            plans=[PlanVersionPublic.model_validate(p) for p in case.plans],
            approved_version=case.approved_version,
            check_ins=[CheckInPublic.model_validate(c) for c in case.check_ins.values()],
            goal_progress=dict(case.goal_progress),
            reminders=dict(case.reminders),
            escalations=escalations(case),
            outcome=case.outcome,
            closed_at=case.closed_at,
            career=CareerPublic.of(case, book),
        )


class ActionItemPublic(BaseModel):
    id: UUID
    case_id: UUID
    cycle_id: UUID
    employee_id: str
    title: str
    owner_id: str
    due_at: datetime
    agreed_at: datetime
    status: ItemStatus
    completed_at: datetime | None
    overdue: bool
    reschedules: int
    version: int
    escalations: list[dict[str, str | int]]

    @classmethod
    def of(cls, item: ActionItem) -> ActionItemPublic:
        return cls(
            id=item.id,
            case_id=item.case_id,
            cycle_id=item.cycle_id,
            employee_id=item.employee_id,
            title=item.title,
            owner_id=item.owner_id,
            due_at=item.due_at,
            agreed_at=item.agreed_at,
            status=item.status,
            completed_at=item.completed_at,
            overdue=item.overdue,
            reschedules=item.reschedules,
            version=item.version,
            escalations=escalations(item),
        )
