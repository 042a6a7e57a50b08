"""Cases: every step of the process (DESIGN.md §1) as a POST, the state, and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status
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


@dataclass
class Step:
    """One caller taking one step on one case: who, when, with which Idempotency-Key."""

    case_id: UUID
    caller: Caller
    app: CareerFlow
    roster: Roster
    now: datetime
    key: str | None

    @property
    def actor(self) -> str:
        return self.caller.employee_id

    def allowed(self, action: str) -> DevelopmentCase:
        """The case, if the caller may try ``action`` on it (the domain decides the rest)."""
        case = self.app.get_case(self.case_id)
        if action != PEER_FEEDBACK:
            access.require_case_writer(self.caller, self.roster, case, action)
        elif self.actor not in case.peer_feedback:
            # Only the coworkers the employee asked may answer; others may not, or see nothing.
            access.require_case_reader(self.caller, self.roster, case)
            raise errors.NotPermitted(self.actor, action, "the coworkers asked")
        return case

    def run(
        self, action: str, command: Callable[..., DevelopmentCase], **fields: Any
    ) -> CasePublic:
        """Check access, then ``command(case_id, **fields)`` as this caller, now, with the key."""
        self.allowed(action)
        return CasePublic.of(
            command(self.case_id, actor=self.actor, at=self.now, idempotency_key=self.key, **fields)
        )


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
def record_self_assessment(body: SelfAssessment, step: CaseStep) -> CasePublic:
    return step.run("record the self-assessment", step.app.record_self_assessment, assessment=body)


@router.post("/{case_id}/goals", summary="1. Prepare: propose a SMART+ER goal")
def propose_goal(body: SmartErGoal, step: CaseStep) -> CasePublic:
    return step.run("propose a goal", step.app.propose_goal, goal=body)


@router.post("/{case_id}/peer-feedback-requests", summary="1. Prepare: ask a coworker for feedback")
def request_peer_feedback(body: PeerFeedbackRequest, step: CaseStep) -> CasePublic:
    step.roster.require(body.peer_id, "peer_id")
    return step.run("request peer feedback", step.app.request_peer_feedback, peer_id=body.peer_id)


@router.post("/{case_id}/peer-feedback", summary="1. Prepare: a coworker gives the feedback asked")
def give_peer_feedback(body: PeerFeedbackGiven, step: CaseStep) -> CasePublic:
    return step.run(
        PEER_FEEDBACK,
        step.app.receive_peer_feedback,
        feedback=body.feedback,
        anonymous=body.anonymous,
    )


@router.post("/{case_id}/meeting/request", summary="2. Request the career conversation")
def request_meeting(body: MeetingRequest, step: CaseStep) -> CasePublic:
    return step.run("request the meeting", step.app.request_meeting, proposed_for=body.proposed_for)


@router.post("/{case_id}/meeting/accept", summary="2. The manager accepts the meeting")
def accept_meeting(step: CaseStep) -> CasePublic:
    return step.run("accept the meeting", step.app.accept_meeting)


@router.post("/{case_id}/meeting/reschedule", summary="2. Propose another time")
def reschedule_meeting(body: MeetingReschedule, step: CaseStep) -> CasePublic:
    return step.run(
        "reschedule the meeting",
        step.app.reschedule_meeting,
        new_time=body.new_time,
        reason=body.reason,
    )


@router.post("/{case_id}/meeting/decline", summary="2. The manager declines, with a reason")
def decline_meeting(body: Reason, step: CaseStep) -> CasePublic:
    return step.run("decline the meeting", step.app.decline_meeting, reason=body.reason)


@router.post("/{case_id}/agenda", summary="3. Share the agenda in advance")
def share_agenda(body: Agenda, step: CaseStep) -> CasePublic:
    return step.run("share the agenda", step.app.share_agenda, agenda=body)


@router.post("/{case_id}/meeting/held", summary="4. Record that the conversation took place")
def hold_meeting(body: MeetingHeld, step: CaseStep) -> CasePublic:
    held_at = body.held_at or step.now
    return step.run("record the meeting as held", step.app.hold_meeting, held_at=held_at)


@router.post("/{case_id}/feedback", summary="4. Give feedback (both ways)")
def give_feedback(body: ConversationFeedback, step: CaseStep) -> CasePublic:
    return step.run("give feedback", step.app.give_feedback, feedback=body)


@router.post("/{case_id}/recap", summary="4. Share the recap: learnings, action items, follow-up")
def share_recap(body: Recap, step: CaseStep) -> CasePublic:
    for index, item in enumerate(body.action_items):
        step.roster.require(item.owner_id, f"action_items[{index}].owner_id")
    return step.run("share the recap", step.app.share_recap, recap=body)


@router.post(
    "/{case_id}/action-items",
    status_code=status.HTTP_201_CREATED,
    summary="4. Agree one more action item",
)
def add_action_item(body: ActionItemSpec, step: CaseStep) -> ActionItemPublic:
    step.roster.require(body.owner_id, "owner_id")
    step.allowed("add an action item")
    item = step.app.add_action_item(
        step.case_id, spec=body, actor=step.actor, at=step.now, idempotency_key=step.key
    )
    return ActionItemPublic.of(item)


@router.post("/{case_id}/plan", summary="5. Draft (or edit the draft of) the development plan")
def draft_plan(body: DevelopmentPlan, step: CaseStep) -> CasePublic:
    return step.run("draft the plan", step.app.draft_plan, plan=body)


@router.post("/{case_id}/plan/submit", summary="6. Submit the plan for approval")
def submit_plan(step: CaseStep) -> CasePublic:
    return step.run("submit the plan", step.app.submit_plan)


@router.post("/{case_id}/plan/request-changes", summary="6. The manager requests changes")
def request_plan_changes(body: PlanChanges, step: CaseStep) -> CasePublic:
    return step.run(
        "request changes to the plan", step.app.request_plan_changes, comments=body.comments
    )


@router.post("/{case_id}/plan/approve", summary="6. The manager approves the plan")
def approve_plan(step: CaseStep) -> CasePublic:
    return step.run("approve the plan", step.app.approve_plan)


@router.post("/{case_id}/check-ins", summary="7. Hold a check-in (progress per goal, notes)")
def hold_check_in(body: CheckInRecord, step: CaseStep) -> CasePublic:
    return step.run(
        "hold a check-in", step.app.hold_check_in, notes=body.notes, progress=body.progress
    )


@router.post("/{case_id}/goal-progress", summary="7. Record progress on one goal")
def record_goal_progress(body: GoalProgress, step: CaseStep) -> CasePublic:
    return step.run("record goal progress", step.app.record_goal_progress, progress=body)


@router.post("/{case_id}/goals/readjust", summary="7. Readjust a goal (a new approved version)")
def readjust_goal(body: GoalReadjustment, step: CaseStep) -> CasePublic:
    return step.run("readjust a goal", step.app.readjust_goal, goal=body.goal, reason=body.reason)


@router.post("/{case_id}/close", summary="8. Close one case with its outcome (HR admin)")
def close_case(body: CaseClose, step: CaseStep) -> CasePublic:
    access.require_case_reader(step.caller, step.roster, step.app.get_case(step.case_id))
    access.require_hr_admin(step.caller, "close a case")
    closed = step.app.close_case(step.case_id, outcome=body.outcome, actor=step.actor, at=step.now)
    return CasePublic.of(closed)
