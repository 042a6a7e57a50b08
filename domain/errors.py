"""Named domain errors.

Every rule the aggregates enforce fails with one of these, so callers (the API,
the workflows' activities, the CLI) can map a failure to a response without
parsing messages. The families map onto HTTP status classes later on:
``InvalidCommand`` → 422, ``StepOutOfOrder`` and ``Conflict`` → 409,
``NotPermitted`` → 403, ``NotFound`` → 404.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class of everything the domain refuses."""

    code = "domain_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


# --- invalid input (422) ---------------------------------------------------


class InvalidCommand(DomainError):
    """A command's input breaks a rule; ``field`` names the offending input."""

    code = "invalid_command"

    def __init__(self, field: str, reason: str, **details: Any) -> None:
        super().__init__(f"{field}: {reason}", field=field, reason=reason, **details)
        self.field = field
        self.reason = reason


class NoticeTooShort(InvalidCommand):
    code = "notice_too_short"


class OutsideCycle(InvalidCommand):
    """A date (goal due date, action item due, meeting) falls outside the cycle."""

    code = "outside_cycle"


class UnknownGoal(InvalidCommand):
    code = "unknown_goal"


class DuplicateId(InvalidCommand):
    code = "duplicate_id"


class NaiveTimestamp(InvalidCommand):
    code = "naive_timestamp"


class RemovalsNeedConsent(InvalidCommand):
    """A roster import would remove people; it needs the importer's explicit consent."""

    code = "removals_need_consent"


class NoEscalationTarget(InvalidCommand):
    code = "no_escalation_target"


# --- order of the steps (409) ----------------------------------------------


class StepOutOfOrder(DomainError):
    """The step is not allowed in the aggregate's current phase."""

    code = "step_out_of_order"

    def __init__(self, message: str, *, current: str, **details: Any) -> None:
        super().__init__(message, current=current, **details)
        self.current = current


class MeetingNotRequested(StepOutOfOrder):
    code = "meeting_not_requested"


class MeetingAlreadyRequested(StepOutOfOrder):
    code = "meeting_already_requested"


class MeetingNotPending(StepOutOfOrder):
    code = "meeting_not_pending"


class MeetingNotScheduled(StepOutOfOrder):
    code = "meeting_not_scheduled"


class AgendaAfterMeeting(StepOutOfOrder):
    code = "agenda_after_meeting"


class PreparationClosed(StepOutOfOrder):
    """Preparation (self-assessment, draft goals, peer feedback) ends when the meeting is held."""

    code = "preparation_closed"


class MeetingNotHeld(StepOutOfOrder):
    code = "meeting_not_held"


class PlanBeforeMeeting(MeetingNotHeld):
    code = "plan_before_meeting"


class RecapAlreadyShared(StepOutOfOrder):
    code = "recap_already_shared"


class NoDraftPlan(StepOutOfOrder):
    code = "no_draft_plan"


class PlanNotEditable(StepOutOfOrder):
    code = "plan_not_editable"


class PlanNotSubmitted(StepOutOfOrder):
    code = "plan_not_submitted"


class PlanNotApproved(StepOutOfOrder):
    code = "plan_not_approved"


class CheckInBeforeApproval(PlanNotApproved):
    code = "check_in_before_approval"


class CaseIsClosed(StepOutOfOrder):
    code = "case_closed"


class CycleNotDraft(StepOutOfOrder):
    code = "cycle_not_draft"


class CycleNotOpen(StepOutOfOrder):
    code = "cycle_not_open"


class CycleIsClosed(CycleNotOpen):
    code = "cycle_closed"


class ActionItemClosed(StepOutOfOrder):
    code = "action_item_closed"


class PeerFeedbackNotRequested(StepOutOfOrder):
    code = "peer_feedback_not_requested"


# --- who may act (403) -------------------------------------------------------


class NotPermitted(DomainError):
    """The actor has no relationship to the aggregate that allows this step."""

    code = "not_permitted"

    def __init__(self, actor: str, action: str, allowed: str) -> None:
        super().__init__(
            f"{actor!r} may not {action}: only {allowed} may",
            actor=actor,
            action=action,
            allowed=allowed,
        )
        self.actor = actor


# --- existence and conflicts (404 / 409) -------------------------------------


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, kind: str, id: object) -> None:
        super().__init__(f"{kind} {id} not found", kind=kind, id=str(id))


class Conflict(DomainError):
    code = "conflict"


class ConcurrentWrite(Conflict):
    """Another writer changed the aggregate between our load and our save."""

    code = "concurrent_write"


class IdempotencyKeyReused(Conflict):
    """The same idempotency key was used earlier for a different command."""

    code = "idempotency_key_reused"


class IdentityConflict(Conflict):
    """A deterministic id already names an aggregate with different content."""

    code = "identity_conflict"


class PersonErased(Conflict):
    """The person's personal data was erased: nothing new is written about them."""

    code = "person_erased"

    def __init__(self, person_id: str) -> None:
        super().__init__(f"the personal data of {person_id!r} was erased", person_id=person_id)
