"""The state of a development case, what can be derived from it, and the guards of its rules.

``DevelopmentCase`` (``domain/case.py``) is this state plus its events and steps;
the steps live in two modules (preparation and the meeting there, the plan and
the follow-up in ``domain/case_plan.py``) so each stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain import errors
from domain import values as v
from domain.base import By, FollowedUp, require_aware
from domain.career_gap import Position, RatingSheet
from domain.personal import ERASED, case_subject, erased
from domain.phases import BEFORE_MEETING, Phase, PlanStatus


@dataclass(frozen=True)
class PlanVersion:
    """One version of the plan, immutable; a change of status replaces the record."""

    version: int
    plan: v.DevelopmentPlan
    status: PlanStatus
    drafted_at: datetime
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    late: bool = False
    readjusted_from: int | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckIn:
    number: int
    due_at: datetime
    held_at: datetime | None = None
    missed: bool = False


class NoteVisibility(StrEnum):
    """Who reads a note's text: ``private``, its author alone (not the other party, not
    HR, not an auditor); ``shared``, the employee and their manager."""

    PRIVATE = "private"
    SHARED = "shared"


@dataclass(frozen=True)
class CaseNote:
    """A note on a case; its text is readable as its visibility says (``readable_by``)."""

    note_id: UUID
    author_id: str
    visibility: NoteVisibility
    text: str
    written_at: datetime


MAX_NOTES = 500
"""Notes one case holds at most (the case is loaded whole for every step)."""


class CaseState(FollowedUp):
    """Everything a case knows; changed only by its events' ``apply`` methods."""

    def __init__(self) -> None:
        super().__init__()
        self.cycle_id: UUID
        self.participants: v.Participants
        self.policy: v.Policy
        self.cycle_opens_at: datetime
        self.cycle_closes_at: datetime
        self.okr_planning_on: date | None = None
        self.opened_at: datetime
        self.phase = Phase.PREPARING
        self.self_assessment: v.SelfAssessment | None = None
        self.self_assessed_at: datetime | None = None
        self.draft_goals: dict[str, v.SmartErGoal] = {}
        self.peer_feedback: dict[str, v.PeerFeedback | None] = {}
        self.meeting_requests = 0
        self.meeting_requested_at: datetime | None = None
        self.meeting_at: datetime | None = None
        self.meeting_answered_at: datetime | None = None
        self.decline_reason: str | None = None
        self.agenda: v.Agenda | None = None
        self.held_at: datetime | None = None
        self.feedback: list[tuple[str, str, v.ConversationFeedback]] = []
        self.recap: v.Recap | None = None
        self.action_item_ids: list[UUID] = []
        self.plans: list[PlanVersion] = []
        self.approved_version: int | None = None
        self.check_ins: dict[int, CheckIn] = {}
        self.check_ins_held = 0
        self.goal_progress: dict[str, int] = {}
        self.outcome: v.CaseOutcome | None = None
        self.closed_at: datetime | None = None
        self.notes: list[CaseNote] = []
        self.framework_version: int | None = None
        """The career framework version the case is judged by (``domain/case_framework.py``)."""
        self.rating_sheets: dict[str, RatingSheet] = {}
        """The newest ratings by each rater (self, manager); older sheets stay in the log."""
        self.target: Position | None = None
        self.absences: dict[int, tuple[datetime, datetime]] = {}
        """The employee's absences by number: when each began and ended (their own
        deadlines move by them, ``domain/deadlines.py``)."""
        self.recorded: dict[str, int] = {}
        """How many times each kind of event was recorded on the case (by event name): a
        step that keeps no state of its own asks ``has_recorded``."""

    # --- derived state -------------------------------------------------------

    @property
    def data_subject(self) -> str | None:
        return case_subject(self.employee_id, self.cycle_id)

    @property
    def employee_id(self) -> str:
        return self.participants.employee_id

    @property
    def manager_id(self) -> str:
        return self.participants.manager_id

    @property
    def current_plan(self) -> PlanVersion | None:
        return self.plans[-1] if self.plans else None

    @property
    def approved_plan(self) -> PlanVersion | None:
        if self.approved_version is None:
            return None
        return self.plan_version(self.approved_version)

    def plan_version(self, version: int) -> PlanVersion:
        return self.plans[version - 1]

    def update_plan(self, version: int, **changes: Any) -> None:
        """Replace a version's record (only event ``apply`` methods call this)."""
        self.plans[version - 1] = replace(self.plans[version - 1], **changes)

    def update_check_in(self, number: int, **changes: Any) -> None:
        self.check_ins[number] = replace(self.check_ins[number], **changes)

    @property
    def plan_due_at(self) -> datetime | None:
        return None if self.held_at is None else self.held_at + self.policy.plan_due

    @property
    def open_check_in(self) -> CheckIn | None:
        """The earliest due check-in that was neither held nor missed."""
        pending = [c for c in self.check_ins.values() if c.held_at is None and not c.missed]
        return min(pending, key=lambda c: c.number) if pending else None

    def scrub(self) -> None:
        """Every personal string of the case replaced by its placeholder (an erasure),
        as a replay reads them once the employee's key is destroyed."""
        if self.self_assessment is not None:
            self.self_assessment = erased(self.self_assessment)
        self.draft_goals = {k: erased(g) for k, g in self.draft_goals.items()}
        self.peer_feedback = {k: f and erased(f) for k, f in self.peer_feedback.items()}
        if self.decline_reason is not None:
            self.decline_reason = ERASED
        if self.agenda is not None:
            self.agenda = erased(self.agenda)
        self.feedback = [(a, b, erased(f)) for a, b, f in self.feedback]
        if self.recap is not None:
            self.recap = erased(self.recap)
        self.plans = [
            replace(p, plan=erased(p.plan), comments=tuple(ERASED for _ in p.comments))
            for p in self.plans
        ]
        self.notes = [replace(n, text=ERASED) for n in self.notes]

    def note_readable_by(self, note: CaseNote, reader_id: str) -> bool:
        """A private note's text is its author's alone; a shared one is the employee's and
        their (current) manager's. Nobody else reads a note's text, whatever their role."""
        if note.visibility is NoteVisibility.PRIVATE:
            return reader_id == note.author_id
        return reader_id in (self.employee_id, self.manager_id)

    def has_recorded(self, event: type) -> bool:
        return self.recorded.get(event.__name__, 0) > 0

    @property
    def is_closed(self) -> bool:
        return self.phase is Phase.CLOSED

    # --- guards -----------------------------------------------------------------

    def _live(self) -> None:
        if self.is_closed:
            raise errors.CaseIsClosed("the case is closed and accepts nothing", current=self.phase)

    def _as_employee(self, actor: str, action: str) -> None:
        if actor != self.employee_id:
            raise errors.NotPermitted(actor, action, "the employee")

    def _as_manager(self, actor: str, action: str) -> None:
        if actor != self.manager_id:
            raise errors.NotPermitted(actor, action, "the employee's manager")

    def _as_party(self, actor: str, action: str) -> None:
        if actor not in (self.employee_id, self.manager_id):
            raise errors.NotPermitted(actor, action, "the employee or their manager")

    def _preparing_as_employee(self, by: By, action: str) -> None:
        """A preparation step: a live case, the employee, before the meeting."""
        self._live()
        self._as_employee(by.actor, action)
        self._preparing(action)

    def _preparing(self, action: str) -> None:
        if self.phase not in BEFORE_MEETING:
            raise errors.PreparationClosed(
                f"cannot {action}: the meeting was already held", current=self.phase
            )

    def _held(
        self, action: str, error: type[errors.StepOutOfOrder] = errors.MeetingNotHeld
    ) -> None:
        if self.held_at is None:
            raise error(f"cannot {action} before the meeting is held", current=self.phase)

    def _approved(
        self, action: str, error: type[errors.StepOutOfOrder] = errors.PlanNotApproved
    ) -> PlanVersion:
        plan = self.approved_plan
        if plan is None:
            raise error(f"cannot {action} before the plan is approved", current=self.phase)
        return plan

    def _inside_cycle(self, field_name: str, day: date) -> None:
        if not self.cycle_opens_at.date() <= day <= self.cycle_closes_at.date():
            raise errors.OutsideCycle(
                field_name,
                f"{day.isoformat()} is outside the cycle "
                f"({self.cycle_opens_at.date()} to {self.cycle_closes_at.date()})",
            )

    def _goal_inside_cycle(self, goal: v.SmartErGoal, field_name: str = "goal.due_on") -> None:
        self._inside_cycle(field_name, goal.due_on)

    def check_action_item(self, spec: v.ActionItemSpec, field_name: str = "due_at") -> None:
        """An agreed action item is due after the meeting and inside the cycle."""
        require_aware(spec.due_at, field_name)
        assert self.held_at is not None
        if spec.due_at <= self.held_at:
            raise errors.InvalidCommand(field_name, "must be after the meeting was held")
        if spec.due_at > self.cycle_closes_at:
            raise errors.OutsideCycle(field_name, "must be due before the cycle closes")
