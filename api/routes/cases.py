"""Cases: every step of the process (DESIGN.md §1) as a POST, the state, and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, TypeAdapter, ValidationError

from api import access
from api.auth import Caller
from api.deps import App, CurrentUser, IdempotencyKey, Now, RosterDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.cases import ActionItemPublic, CasePublic
from api.schemas.history import HistoryEntryPublic
from domain import errors
from domain.action_item import ActionItem
from domain.application import CareerFlow
from domain.case import DevelopmentCase
from domain.commands import (
    AcceptMeeting,
    AddActionItem,
    ApprovePlan,
    CaseCommand,
    CloseCase,
    DeclineMeeting,
    DraftPlan,
    GiveFeedback,
    GivePeerFeedback,
    HoldCheckIn,
    HoldMeeting,
    ProposeGoal,
    ReadjustGoal,
    RecordGoalProgress,
    RecordSelfAssessment,
    RequestMeeting,
    RequestPeerFeedback,
    RequestPlanChanges,
    RescheduleMeeting,
    ShareAgenda,
    ShareRecap,
    SubmitPlan,
)
from domain.roster import Roster

router = APIRouter(prefix="/cases", tags=["cases"], responses=PROBLEM_RESPONSES)


@router.get("/find", summary="The case of an employee in a cycle")
def find_case(
    cycle_id: UUID, employee_id: str, caller: CurrentUser, application: App, roster: RosterDep
) -> CasePublic:
    case = application.case_for(cycle_id, employee_id)
    access.require_case_reader(caller, roster, case)
    return CasePublic.of(case)


@router.get("/{case_id}", summary="A case's current state")
def get_case(case_id: UUID, caller: CurrentUser, application: App, roster: RosterDep) -> CasePublic:
    case = application.get_case(case_id)
    access.require_case_reader(caller, roster, case)
    return CasePublic.of(case)


class CaseHistory(BaseModel):
    case_id: UUID
    as_of: str | None
    state: CasePublic
    entries: list[HistoryEntryPublic]


_TIME = TypeAdapter(datetime)


def _as_of(application: CareerFlow, case_id: UUID, as_of: str) -> DevelopmentCase:
    if as_of.isdigit():
        return application.case_as_of(case_id, version=int(as_of))
    try:
        at = _TIME.validate_python(as_of)
    except ValidationError:
        raise errors.InvalidCommand(
            "as_of", "give a version number or an ISO-8601 time with a zone"
        ) from None
    if at.tzinfo is None:
        raise errors.InvalidCommand("as_of", "the time needs a zone (Z or +hh:mm)")
    return application.case_as_of(case_id, at=at)


@router.get("/{case_id}/history", summary="The audit trail; with as_of, the state at that point")
def case_history(
    case_id: UUID,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    as_of: Annotated[
        str | None,
        Query(
            max_length=64,
            description="a case version (e.g. 5) or a time (2027-03-01T12:00:00Z)",
        ),
    ] = None,
) -> CaseHistory:
    case = application.get_case(case_id)
    access.require_case_reader(caller, roster, case)
    entries = application.case_history(case_id)
    if as_of is not None:
        state = _as_of(application, case_id, as_of)
        entries = [
            e
            for e in entries
            if (e.aggregate == "case" and e.version <= state.version)
            or (e.aggregate != "case" and e.occurred_at <= state.modified_on)
        ]
    else:
        state = case
    return CaseHistory(
        case_id=case_id,
        as_of=as_of,
        state=CasePublic.of(state),
        entries=[HistoryEntryPublic.of(e) for e in entries],
    )


# --- the steps ---------------------------------------------------------------------


@dataclass
class Step:
    """One caller taking one step on one case: who, when, with which Idempotency-Key."""

    case_id: UUID
    caller: Caller
    app: CareerFlow
    roster: Roster
    now: datetime
    key: str | None

    def execute(self, command: CaseCommand) -> DevelopmentCase:
        """The caller must see the case to act on it; a requested peer needs only the ask."""

        def authorize(case: DevelopmentCase, item: ActionItem | None) -> None:
            if isinstance(command, GivePeerFeedback) and self.actor in case.peer_feedback:
                return
            access.require_case_writer(self.caller, self.roster, case, command.action)

        return self.app.execute(
            self.case_id,
            command,
            actor=self.actor,
            at=self.now,
            idempotency_key=self.key,
            authorize=authorize,
        ).case

    @property
    def actor(self) -> str:
        return self.caller.employee_id

    def run(self, command: CaseCommand) -> CasePublic:
        return CasePublic.of(self.execute(command))


def _step(
    case_id: UUID,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> Step:
    return Step(case_id, caller, application, roster, now, idempotency_key)


CaseStep = Annotated[Step, Depends(_step)]


@router.post("/{case_id}/self-assessment", summary="1. Prepare: record the self-assessment")
def record_self_assessment(body: RecordSelfAssessment, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/goals", summary="1. Prepare: propose a SMART+ER goal")
def propose_goal(body: ProposeGoal, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/peer-feedback-requests", summary="1. Prepare: ask a coworker for feedback")
def request_peer_feedback(body: RequestPeerFeedback, step: CaseStep) -> CasePublic:
    step.roster.require(body.peer_id, "peer_id")
    return step.run(body)


@router.post("/{case_id}/peer-feedback", summary="1. Prepare: a coworker gives the feedback asked")
def give_peer_feedback(body: GivePeerFeedback, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/meeting/request", summary="2. Request the career conversation")
def request_meeting(body: RequestMeeting, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/meeting/accept", summary="2. The manager accepts the meeting")
def accept_meeting(step: CaseStep) -> CasePublic:
    return step.run(AcceptMeeting())


@router.post("/{case_id}/meeting/reschedule", summary="2. Propose another time")
def reschedule_meeting(body: RescheduleMeeting, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/meeting/decline", summary="2. The manager declines, with a reason")
def decline_meeting(body: DeclineMeeting, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/agenda", summary="3. Share the agenda in advance")
def share_agenda(body: ShareAgenda, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/meeting/held", summary="4. Record that the conversation took place")
def hold_meeting(body: HoldMeeting, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/feedback", summary="4. Give feedback (both ways)")
def give_feedback(body: GiveFeedback, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/recap", summary="4. Share the recap: learnings, action items, follow-up")
def share_recap(body: ShareRecap, step: CaseStep) -> CasePublic:
    for index, item in enumerate(body.action_items):
        step.roster.require(item.owner_id, f"action_items[{index}].owner_id")
    return step.run(body)


@router.post(
    "/{case_id}/action-items",
    status_code=status.HTTP_201_CREATED,
    summary="4. Agree one more action item",
)
def add_action_item(body: AddActionItem, step: CaseStep) -> ActionItemPublic:
    step.roster.require(body.owner_id, "owner_id")
    case = step.execute(body)
    item_id = AddActionItem.item_id(case, step.key) if step.key else case.action_item_ids[-1]
    return ActionItemPublic.of(step.app.get_action_item(item_id))


@router.post("/{case_id}/plan", summary="5. Draft (or edit the draft of) the development plan")
def draft_plan(body: DraftPlan, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/plan/submit", summary="6. Submit the plan for approval")
def submit_plan(step: CaseStep) -> CasePublic:
    return step.run(SubmitPlan())


@router.post("/{case_id}/plan/request-changes", summary="6. The manager requests changes")
def request_plan_changes(body: RequestPlanChanges, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/plan/approve", summary="6. The manager approves the plan")
def approve_plan(step: CaseStep) -> CasePublic:
    return step.run(ApprovePlan())


@router.post("/{case_id}/check-ins", summary="7. Hold a check-in (progress per goal, notes)")
def hold_check_in(body: HoldCheckIn, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/goal-progress", summary="7. Record progress on one goal")
def record_goal_progress(body: RecordGoalProgress, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/goals/readjust", summary="7. Readjust a goal (a new approved version)")
def readjust_goal(body: ReadjustGoal, step: CaseStep) -> CasePublic:
    return step.run(body)


@router.post("/{case_id}/close", summary="8. Close one case with its outcome (HR admin)")
def close_case(body: CloseCase, step: CaseStep) -> CasePublic:
    def hr_admin(case: DevelopmentCase, item: ActionItem | None) -> None:
        access.require_case_reader(step.caller, step.roster, case)
        access.require_hr_admin(step.caller, "close a case")

    closed = step.app.execute(step.case_id, body, actor=step.actor, at=step.now, authorize=hr_admin)
    return CasePublic.of(closed.case)
