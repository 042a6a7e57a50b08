"""What each person must do now on a case: the open steps, whose they are and when they are due.

``CaseProgress`` is the small slice of a case that decides its open steps; the
tasks read model keeps one per case (as JSON) and applies each case event to it,
so ``GET /me/tasks`` never loads an aggregate. ``open_tasks`` is pure: the same
progress always gives the same tasks. The tasks with a deadline come from the one
deadline rule (``domain.deadlines.open_deadlines``) the deadline engine ladders over;
steps without a deadline (feedback, the recap) are open with no due time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from domain import case_events as ev
from domain import deadlines, step_catalog
from domain.phases import (
    MEETING_PENDING,
    Phase,
)
from domain.step_records import Task, Who
from domain.subscriptions import PHASE_AFTER
from domain.values import Participants, Party, Policy


class OpenTask(BaseModel):
    task: Task | str
    """One of the process's tasks, or a step's own (``TaskRule.task``)."""
    person_id: str
    role: str
    """Why it is theirs: employee, manager, peer, owner (or their rung for an escalation)."""
    due_at: datetime | None = None
    deadline: str | None = None
    """The deadline engine's key, when the step has one (escalations name it)."""
    number: int | None = None


class CaseProgress(deadlines.CaseFacts):
    """What decides a case's open steps, kept up to date from its events."""

    employee_id: str
    manager_id: str
    policy: Policy
    opened_at: datetime
    meeting_at: datetime | None = None
    agenda_shared: bool = False
    feedback_from: list[str] = Field(default_factory=list)
    recap_shared: bool = False
    check_ins_due: dict[int, datetime] = Field(default_factory=dict)
    peers_pending: list[str] = Field(default_factory=list)
    recorded: list[str] = Field(default_factory=list)
    """The events that close a step's own task rule (``StepRecord.opens``), once recorded."""

    @classmethod
    def opened(cls, event: Any) -> CaseProgress:
        people: Participants = event.participants
        return cls(
            employee_id=people.employee_id,
            manager_id=people.manager_id,
            policy=event.policy,
            opened_at=event.timestamp,
        )

    def apply(self, event: Any) -> None:
        """Take one case event into account (events that change no step are ignored)."""
        kind = type(event)
        self.take(kind.__name__, event.timestamp, vars(event), PHASE_AFTER.get(kind))
        applier = APPLIERS.get(kind)
        if applier is not None:
            applier(self, event)
        if kind in _rule_events() and kind.__name__ not in self.recorded:
            self.recorded.append(kind.__name__)

    def open_tasks(self) -> list[OpenTask]:
        """Every step somebody owes on this case now, with its due time if it has one."""
        if self.phase is Phase.CLOSED:
            return []
        employee, manager = self.employee_id, self.manager_id
        both = ((employee, "employee"), (manager, "manager"))
        found: list[OpenTask] = []

        def add(task: Task | str, person: str, role: str, due: datetime | None,
                key: str | None = None, number: int | None = None) -> None:  # fmt: skip
            found.append(OpenTask(task=task, person_id=person, role=role, due_at=due,
                                  deadline=key, number=number))  # fmt: skip

        people = {Party.EMPLOYEE: employee, Party.MANAGER: manager}
        for open_deadline in deadlines.open_deadlines(self):
            task, owner = open_deadline.deadline.task, open_deadline.owner
            if task is not None:
                add(task, people[owner], owner.value, open_deadline.due_at, open_deadline.key)
        if self.phase in MEETING_PENDING and not self.agenda_shared:
            add(Task.SHARE_AGENDA, employee, "employee", self.meeting_at)
        if self.phase is Phase.MEETING_SCHEDULED:
            for person, role in both:
                add(Task.HOLD_MEETING, person, role, self.meeting_at)
        if self.held_at is not None:
            for person, role in both:
                if person not in self.feedback_from:
                    add(Task.GIVE_FEEDBACK, person, role, None)
            if not self.recap_shared:
                for person, role in both:
                    add(Task.SHARE_RECAP, person, role, None)
        for rule in step_catalog.task_rules():
            if self.phase in rule.phases and rule.done_by.__name__ not in self.recorded:
                owners = {Who.EMPLOYEE: both[:1], Who.MANAGER: both[1:]}.get(rule.owner, both)
                for person, role in owners:
                    add(rule.task, person, role, None)
        for peer in self.peers_pending:
            add(Task.GIVE_PEER_FEEDBACK, peer, "peer", self.meeting_at)
        for number, due in sorted(self.check_ins_due.items()):
            for person, role in both:
                add(Task.HOLD_CHECK_IN, person, role, due, number=number)
        return found

    def open_deadline_keys(self) -> set[str]:
        """The deadline keys still open (an escalation about any other is settled)."""
        return {d.key for d in deadlines.open_deadlines(self)}


def _rule_events() -> frozenset[type]:
    rules = step_catalog.task_rules()
    if not rules:
        return frozenset()
    return frozenset(rule.done_by for rule in rules)


def _requested(p: CaseProgress, e: Any) -> None:
    p.meeting_at = e.proposed_for
    p.agenda_shared = False


def _check_in_settled(p: CaseProgress, e: Any) -> None:
    if e.number is not None:
        p.check_ins_due.pop(e.number, None)


def _peer_asked(p: CaseProgress, e: Any) -> None:
    if e.peer_id not in p.peers_pending:
        p.peers_pending.append(e.peer_id)


def _peer_answered(p: CaseProgress, e: Any) -> None:
    if e.peer_id in p.peers_pending:
        p.peers_pending.remove(e.peer_id)


APPLIERS: dict[type, Callable[[CaseProgress, Any], None]] = {
    ev.MeetingRequested: _requested,
    ev.MeetingRescheduled: lambda p, e: setattr(p, "meeting_at", e.new_time),
    ev.MeetingDeclined: lambda p, e: setattr(p, "meeting_at", None),
    ev.AgendaShared: lambda p, e: setattr(p, "agenda_shared", True),
    ev.FeedbackGiven: lambda p, e: p.feedback_from.append(e.party),
    ev.RecapShared: lambda p, e: setattr(p, "recap_shared", True),
    ev.CheckInDue: lambda p, e: p.check_ins_due.__setitem__(e.number, e.due_at),
    ev.CheckInHeld: _check_in_settled,
    ev.CheckInMissed: _check_in_settled,
    ev.PeerFeedbackRequested: _peer_asked,
    ev.PeerFeedbackReceived: _peer_answered,
    ev.ManagerChanged: lambda p, e: setattr(p, "manager_id", e.participants.manager_id),
}
"""How each case event changes a case's progress beyond the deadline facts
(``domain.deadlines.FACT_TAKERS``, which ``apply`` takes first)."""


def progress_events() -> frozenset[type]:
    """Every case event that changes a case's open tasks: its table, the phase changes,
    the opening, and the events that close a step's own task rule."""
    facts = {e for e in ev.case_events() if e.__name__ in deadlines.FACT_TAKERS}
    return frozenset({ev.CaseOpened, *APPLIERS, *facts, *PHASE_AFTER, *_rule_events()})
