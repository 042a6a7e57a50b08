"""Every deadline a case or an action item can have, and the one rule of a case's deadlines.

The deadline engine keys its timers by these names (``prep``, ``approval:2``,
``action_item_due:<time>``); the messages, the task list and the reports read the
same table to say, in words, what is late and whose work it is.

``open_deadlines`` is the rule: from what a case has done so far, which deadlines
are open, whose they are and when they fall due. The deadline engine ladders
reminders and escalations over it; the tasks read model lists it as tasks. Pure:
the Temporal sandbox imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from domain.phases import BEFORE_MEETING, MEETING_REQUESTABLE, PLAN_EDITABLE, Phase
from domain.step_records import Task
from domain.values import Party, Policy


@dataclass(frozen=True)
class Deadline:
    name: str
    what: str
    """The work, as a sentence names it ("the meeting request")."""
    owner: Party
    task: str | None = None
    """The task it opens for its owner (the tasks read model lists it with its due time)."""


PREP = Deadline("prep", "the self-assessment", Party.EMPLOYEE, Task.PREPARE)
MEETING_REQUEST = Deadline(
    "meeting_request", "the meeting request", Party.EMPLOYEE, Task.REQUEST_MEETING
)
MEETING_RESPONSE = Deadline(
    "meeting_response",
    "an answer to the meeting request",
    Party.MANAGER,
    Task.ANSWER_MEETING_REQUEST,
)
PLAN_DUE = Deadline("plan_due", "the development plan", Party.EMPLOYEE, Task.SUBMIT_PLAN)
APPROVAL = Deadline("approval", "the plan approval", Party.MANAGER, Task.REVIEW_PLAN)
OKR_PLANNING = Deadline(
    "okr_planning", "the career conversation before OKR planning", Party.EMPLOYEE
)
ACTION_ITEM_DUE = Deadline("action_item_due", "the action item", Party.EMPLOYEE)
"""An action item's owner may be the manager: the item says who (``ItemView.owner``)."""

DEADLINES: dict[str, Deadline] = {
    d.name: d for d in (PREP, MEETING_REQUEST, MEETING_RESPONSE, PLAN_DUE, APPROVAL, OKR_PLANNING)
}
DEADLINES[ACTION_ITEM_DUE.name] = ACTION_ITEM_DUE


def keyed(deadline: Deadline, suffix: object | None = None) -> str:
    """The timer key: the name, and what makes this instance unique (a version, a due time)."""
    return deadline.name if suffix is None else f"{deadline.name}:{suffix}"


def deadline_of(key: str) -> Deadline | None:
    """The deadline a timer key belongs to (None for a key this version does not know)."""
    return DEADLINES.get(key.split(":", 1)[0])


class CaseFacts(BaseModel):
    """What a case's deadlines depend on. The tasks read model's progress and the case
    workflow's view are both these facts, kept by ``take`` from the same events."""

    policy: Policy | None = None
    opened_at: datetime | None = None
    phase: Phase = Phase.PREPARING
    self_assessed: bool = False
    meeting_requests: int = 0
    meeting_requested_at: datetime | None = None
    held_at: datetime | None = None
    submitted_at: datetime | None = None
    submitted_version: int = 0
    absences: dict[int, tuple[datetime, datetime]] = {}
    """The employee's absences by number (``AbsenceNoted``): when each began and ended."""

    def take(self, name: str, at: datetime, data: Mapping[str, Any], phase: Phase | None) -> None:
        """Take one event (its name, occurred-at time, fields and the phase it leads to).
        ``data`` is the event's fields or, in a workflow, the relayed JSON of them."""
        if phase is not None:
            self.phase = phase
        taker = FACT_TAKERS.get(name)
        if taker is not None:
            taker(self, at, data)


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _self_assessed(facts: CaseFacts, at: datetime, data: Mapping[str, Any]) -> None:
    facts.self_assessed = True


def _requested(facts: CaseFacts, at: datetime, data: Mapping[str, Any]) -> None:
    facts.meeting_requests += 1
    facts.meeting_requested_at = at


def _held(facts: CaseFacts, at: datetime, data: Mapping[str, Any]) -> None:
    facts.held_at = _time(data["held_at"])


def _submitted(facts: CaseFacts, at: datetime, data: Mapping[str, Any]) -> None:
    facts.submitted_at = at
    facts.submitted_version = int(data["version"])


def _away(facts: CaseFacts, at: datetime, data: Mapping[str, Any]) -> None:
    span = (_time(data["starts_at"]), _time(data["ends_at"]))
    facts.absences = {**facts.absences, int(data["number"]): span}


FACT_TAKERS: dict[str, Callable[[CaseFacts, datetime, Mapping[str, Any]], None]] = {
    "SelfAssessmentRecorded": _self_assessed,
    "MeetingRequested": _requested,
    "MeetingHeld": _held,
    "PlanSubmitted": _submitted,
    "ReadjustmentProposed": _submitted,
    "AbsenceNoted": _away,
}
"""How each case event (by name) changes the facts the deadline rule reads."""
FACT_FIELDS = ("held_at", "version", "number", "starts_at", "ends_at")
"""The event fields the takers read: the relay sends them to the workflows."""


@dataclass(frozen=True)
class OpenDeadline:
    """One deadline a case has now: its kind, what makes it unique, and when it falls due."""

    deadline: Deadline
    due_at: datetime
    suffix: object | None = None
    """A plan version, a meeting request's number: a new one starts a new ladder."""

    @property
    def key(self) -> str:
        return keyed(self.deadline, self.suffix)

    @property
    def owner(self) -> Party:
        return self.deadline.owner


def extended(
    due: datetime, since: datetime, absences: Iterable[tuple[datetime, datetime]]
) -> datetime:
    """``due`` moved later by the time of each absence between ``since`` and it (an
    absence the move reaches moves it again)."""
    for starts_at, ends_at in sorted(absences):
        if starts_at < due and ends_at > since:
            due += ends_at - max(starts_at, since)
    return due


def open_deadlines(facts: CaseFacts) -> list[OpenDeadline]:
    """The case's open deadlines, in the order of the process."""
    policy, opened, phase = facts.policy, facts.opened_at, facts.phase
    if policy is None or opened is None or phase is Phase.CLOSED:
        return []
    found: list[OpenDeadline] = []
    away = facts.absences.values() if policy.extend_deadlines_for_absence else ()

    def due(deadline: Deadline, at: datetime, suffix: object | None = None) -> None:
        found.append(OpenDeadline(deadline, at, suffix))

    def owed(deadline: Deadline, since: datetime, window: timedelta) -> None:
        """The employee's own deadline: ``window`` after ``since``, plus their absences."""
        due(deadline, extended(since + window, since, away))

    if not facts.self_assessed and phase in BEFORE_MEETING:
        owed(PREP, opened, policy.prep_window)
    if phase in MEETING_REQUESTABLE:
        owed(MEETING_REQUEST, opened, policy.meeting_request_window)
    if phase is Phase.MEETING_REQUESTED and facts.meeting_requested_at is not None:
        at = facts.meeting_requested_at + policy.meeting_response
        due(MEETING_RESPONSE, at, facts.meeting_requests)
    if phase in PLAN_EDITABLE and facts.held_at is not None:
        owed(PLAN_DUE, facts.held_at, policy.plan_due)
    if phase is Phase.PLAN_SUBMITTED and facts.submitted_at is not None:
        due(APPROVAL, facts.submitted_at + policy.approval_sla, facts.submitted_version)
    return found
