"""Cases: every step of the process (DESIGN.md §1) as a POST, the state, and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, TypeAdapter, ValidationError

from api import access
from api.auth import Caller
from api.deps import App, CurrentUser, IdempotencyKey, Now, RosterDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.cases import (
    ActionItemPublic,
    CaseClose,
    CasePublic,
    CheckInRecord,
    GoalReadjustment,
    MeetingHeld,
    MeetingRequest,
    MeetingReschedule,
    PeerFeedbackGiven,
    PeerFeedbackRequest,
    PlanChanges,
    Reason,
)
from api.schemas.history import HistoryEntryPublic
from domain import errors
from domain.application import CareerFlow
from domain.case import DevelopmentCase
from domain.roster import Roster
from domain.values import (
    ActionItemSpec,
    Agenda,
    ConversationFeedback,
    DevelopmentPlan,
    GoalProgress,
    Recap,
    SelfAssessment,
    SmartErGoal,
)

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

PEER_FEEDBACK = "give peer feedback"


def _act(
    application: CareerFlow,
    caller: Caller,
    roster: Roster,
    case_id: UUID,
    action: str,
    step: Callable[[], DevelopmentCase],
) -> CasePublic:
    case = application.get_case(case_id)
    if action == PEER_FEEDBACK:
        # Only the coworkers the employee asked may answer; others may not, or see nothing.
        if caller.employee_id not in case.peer_feedback:
            access.require_case_reader(caller, roster, case)
            raise errors.NotPermitted(caller.employee_id, action, "the coworkers asked")
        return CasePublic.of(step())
    access.require_case_writer(caller, roster, case, action)
    return CasePublic.of(step())


@router.post("/{case_id}/self-assessment", summary="1. Prepare: record the self-assessment")
def record_self_assessment(
    case_id: UUID,
    body: SelfAssessment,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "record the self-assessment",
        lambda: application.record_self_assessment(
            case_id,
            assessment=body,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/goals", summary="1. Prepare: propose a SMART+ER goal")
def propose_goal(
    case_id: UUID,
    body: SmartErGoal,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "propose a goal",
        lambda: application.propose_goal(
            case_id, goal=body, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
        ),
    )


@router.post("/{case_id}/peer-feedback-requests", summary="1. Prepare: ask a coworker for feedback")
def request_peer_feedback(
    case_id: UUID,
    body: PeerFeedbackRequest,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    roster.require(body.peer_id, "peer_id")
    return _act(
        application,
        caller,
        roster,
        case_id,
        "request peer feedback",
        lambda: application.request_peer_feedback(
            case_id,
            peer_id=body.peer_id,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/peer-feedback", summary="1. Prepare: a coworker gives the feedback asked")
def give_peer_feedback(
    case_id: UUID,
    body: PeerFeedbackGiven,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        PEER_FEEDBACK,
        lambda: application.receive_peer_feedback(
            case_id,
            feedback=body.feedback,
            anonymous=body.anonymous,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/meeting/request", summary="2. Request the career conversation")
def request_meeting(
    case_id: UUID,
    body: MeetingRequest,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "request the meeting",
        lambda: application.request_meeting(
            case_id,
            proposed_for=body.proposed_for,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/meeting/accept", summary="2. The manager accepts the meeting")
def accept_meeting(
    case_id: UUID,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "accept the meeting",
        lambda: application.accept_meeting(
            case_id, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
        ),
    )


@router.post("/{case_id}/meeting/reschedule", summary="2. Propose another time")
def reschedule_meeting(
    case_id: UUID,
    body: MeetingReschedule,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "reschedule the meeting",
        lambda: application.reschedule_meeting(
            case_id,
            new_time=body.new_time,
            reason=body.reason,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/meeting/decline", summary="2. The manager declines, with a reason")
def decline_meeting(
    case_id: UUID,
    body: Reason,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "decline the meeting",
        lambda: application.decline_meeting(
            case_id,
            reason=body.reason,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/agenda", summary="3. Share the agenda in advance")
def share_agenda(
    case_id: UUID,
    body: Agenda,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "share the agenda",
        lambda: application.share_agenda(
            case_id, agenda=body, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
        ),
    )


@router.post("/{case_id}/meeting/held", summary="4. Record that the conversation took place")
def hold_meeting(
    case_id: UUID,
    body: MeetingHeld,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "record the meeting as held",
        lambda: application.hold_meeting(
            case_id,
            held_at=body.held_at or now,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/feedback", summary="4. Give feedback (both ways)")
def give_feedback(
    case_id: UUID,
    body: ConversationFeedback,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "give feedback",
        lambda: application.give_feedback(
            case_id,
            feedback=body,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/recap", summary="4. Share the recap: learnings, action items, follow-up")
def share_recap(
    case_id: UUID,
    body: Recap,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    for index, item in enumerate(body.action_items):
        roster.require(item.owner_id, f"action_items[{index}].owner_id")
    return _act(
        application,
        caller,
        roster,
        case_id,
        "share the recap",
        lambda: application.share_recap(
            case_id, recap=body, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
        ),
    )


@router.post(
    "/{case_id}/action-items",
    status_code=status.HTTP_201_CREATED,
    summary="4. Agree one more action item",
)
def add_action_item(
    case_id: UUID,
    body: ActionItemSpec,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> ActionItemPublic:
    roster.require(body.owner_id, "owner_id")
    case = application.get_case(case_id)
    access.require_case_writer(caller, roster, case, "add an action item")
    item = application.add_action_item(
        case_id, spec=body, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
    )
    return ActionItemPublic.of(item)


@router.post("/{case_id}/plan", summary="5. Draft (or edit the draft of) the development plan")
def draft_plan(
    case_id: UUID,
    body: DevelopmentPlan,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "draft the plan",
        lambda: application.draft_plan(
            case_id, plan=body, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
        ),
    )


@router.post("/{case_id}/plan/submit", summary="6. Submit the plan for approval")
def submit_plan(
    case_id: UUID,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "submit the plan",
        lambda: application.submit_plan(
            case_id, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
        ),
    )


@router.post("/{case_id}/plan/request-changes", summary="6. The manager requests changes")
def request_plan_changes(
    case_id: UUID,
    body: PlanChanges,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "request changes to the plan",
        lambda: application.request_plan_changes(
            case_id,
            comments=body.comments,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/plan/approve", summary="6. The manager approves the plan")
def approve_plan(
    case_id: UUID,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "approve the plan",
        lambda: application.approve_plan(
            case_id, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
        ),
    )


@router.post("/{case_id}/check-ins", summary="7. Hold a check-in (progress per goal, notes)")
def hold_check_in(
    case_id: UUID,
    body: CheckInRecord,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "hold a check-in",
        lambda: application.hold_check_in(
            case_id,
            notes=body.notes,
            progress=body.progress,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/goal-progress", summary="7. Record progress on one goal")
def record_goal_progress(
    case_id: UUID,
    body: GoalProgress,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "record goal progress",
        lambda: application.record_goal_progress(
            case_id,
            progress=body,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/goals/readjust", summary="7. Readjust a goal (a new approved version)")
def readjust_goal(
    case_id: UUID,
    body: GoalReadjustment,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    return _act(
        application,
        caller,
        roster,
        case_id,
        "readjust a goal",
        lambda: application.readjust_goal(
            case_id,
            goal=body.goal,
            reason=body.reason,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        ),
    )


@router.post("/{case_id}/close", summary="8. Close one case with its outcome (HR admin)")
def close_case(
    case_id: UUID,
    body: CaseClose,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    case = application.get_case(case_id)
    access.require_case_reader(caller, roster, case)
    access.require_hr_admin(caller, "close a case")
    return CasePublic.of(
        application.close_case(case_id, outcome=body.outcome, actor=caller.employee_id, at=now)
    )
