"""The deadline engine: from the events a workflow has seen, what is due and when.

Pure and deterministic (no clock, no I/O), so workflows can run it on replay and
tests can check every deadline without a Temporal server. A workflow applies each
event it is signalled, asks for the pending actions, sleeps until the earliest,
runs it as an activity and marks it done.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain import case_events as ev
from domain import deadlines
from domain.action_item import ActionItem
from domain.cycle import Cycle
from domain.deadlines import CaseFacts
from domain.phases import BEFORE_MEETING
from domain.subscriptions import PHASE_AFTER_NAME
from domain.values import Party, Policy, Rung
from workflows.payloads import LogEvent

ActionKind = Literal[
    "remind",
    "escalate",
    "check_in_due",
    "check_in_missed",
    "overdue",
    "close_cycle",
    "expire_data",
    "enrol_new_hires",
]


class Action(BaseModel):
    """One thing the service will do at a time, unless the situation changes first."""

    at: datetime
    kind: ActionKind
    deadline: str
    reason: str
    owner: Party | None = None
    rung: Rung | None = None
    number: int | None = None
    due_at: datetime | None = None
    """When the work is due (messages say how late it is)."""

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.deadline}|{self.rung or ''}|{self.number or ''}"


def ladder(
    step: deadlines.Deadline,
    due: datetime,
    policy: Policy,
    suffix: object | None = None,
    owner: Party | None = None,
) -> list[Action]:
    """A reminder before the deadline, then the escalation rungs after it.

    The owner (the step's, unless this instance says otherwise) is reminded
    ``reminder_lead`` before. After the deadline each rung follows the previous one
    by its own delay; a deadline the manager owns escalates straight to the skip-level.
    """
    deadline, what = deadlines.keyed(step, suffix), step.what
    owner = owner or step.owner
    actions = [
        Action(
            at=due - policy.reminder_lead,
            kind="remind",
            deadline=deadline,
            owner=owner,
            reason=f"{what} is due {due.isoformat()}",
            due_at=due,
        )
    ]
    delays = {
        Rung.MANAGER: policy.escalation.manager,
        Rung.SKIP_LEVEL: policy.escalation.skip_level,
        Rung.HR_PARTNER: policy.escalation.hr_partner,
    }
    rungs = list(Rung) if owner is Party.EMPLOYEE else [Rung.SKIP_LEVEL, Rung.HR_PARTNER]
    at = due
    for rung in rungs:
        at += delays[rung]
        actions.append(
            Action(
                at=at,
                kind="escalate",
                deadline=deadline,
                rung=rung,
                owner=owner,
                reason=f"{what} was due {due.isoformat()} ({owner.value} has not acted)",
                due_at=due,
            )
        )
    return actions


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


class CheckInView(BaseModel):
    due_at: datetime
    held: bool = False
    missed: bool = False


class Followed(BaseModel):
    """What every followed aggregate keeps: the last applied event and the actions done."""

    last_event_id: int = 0
    done: set[str] = Field(default_factory=set)

    def accept(self, event: LogEvent) -> bool:
        """Apply an event once; a replayed or older event id is ignored."""
        if event.id <= self.last_event_id:
            return False
        self.last_event_id = event.id
        self.apply(event)
        return True

    def apply(self, event: LogEvent) -> None:
        raise NotImplementedError

    def actions(self) -> list[Action]:
        raise NotImplementedError

    @property
    def finished(self) -> bool:
        """Nothing more will ever be due: the workflow may end."""
        raise NotImplementedError

    def pending(self) -> list[Action]:
        return sorted(
            (a for a in self.actions() if a.key not in self.done), key=lambda a: (a.at, a.key)
        )


class CaseView(Followed, CaseFacts):
    """The slice of a case that decides its deadlines."""

    case_id: UUID
    cycle_closes_at: datetime | None = None
    okr_planning_on: date | None = None
    first_approved_at: datetime | None = None
    check_ins: dict[int, CheckInView] = Field(default_factory=dict)
    closed: bool = False

    def apply(self, event: LogEvent) -> None:
        data, name = event.data, event.name
        self.take(name, event.occurred_at, data, PHASE_AFTER_NAME.get(name))
        if name == ev.CaseOpened.__name__:
            self.policy = Policy.model_validate(data["policy"])
            self.opened_at = event.occurred_at
            self.cycle_closes_at = _time(data["cycle_closes_at"])
            okr = data.get("okr_planning_on")
            self.okr_planning_on = date.fromisoformat(okr) if okr else None
        elif name == ev.PlanApproved.__name__:
            self.first_approved_at = self.first_approved_at or event.occurred_at
        elif name == ev.CheckInDue.__name__:
            self.check_ins[int(data["number"])] = CheckInView(due_at=_time(data["due_at"]))
        elif name == ev.CheckInHeld.__name__ and data.get("number") is not None:
            number = int(data["number"])  # an ad-hoc check-in takes the next number
            self.check_ins.setdefault(number, CheckInView(due_at=event.occurred_at)).held = True
        elif name == ev.CheckInMissed.__name__:
            self.check_ins[int(data["number"])].missed = True
        elif name == ev.CaseClosed.__name__:
            self.closed = True

    @property
    def finished(self) -> bool:
        return self.closed

    def actions(self) -> list[Action]:
        policy = self.policy
        if self.closed or policy is None or self.opened_at is None:
            return []
        actions: list[Action] = []
        opened = self.opened_at
        for due in deadlines.open_deadlines(self):
            actions += ladder(due.deadline, due.due_at, policy, due.suffix)
        if self.okr_planning_on and self.held_at is None and self.phase in BEFORE_MEETING:
            planning = datetime.combine(self.okr_planning_on, time(), tzinfo=opened.tzinfo)
            actions.append(
                Action(
                    at=planning - policy.reminder_lead,
                    kind="remind",
                    deadline=deadlines.keyed(deadlines.OKR_PLANNING),
                    owner=Party.EMPLOYEE,
                    reason=f"meet before OKR planning on {self.okr_planning_on.isoformat()}",
                    due_at=planning,
                )
            )
        actions += self._check_in_actions(policy)
        return actions

    def _check_in_actions(self, policy: Policy) -> list[Action]:
        if self.first_approved_at is None or self.cycle_closes_at is None:
            return []
        actions = []
        number = max(self.check_ins, default=0) + 1
        due = self.first_approved_at + number * policy.checkin_cadence
        if due < self.cycle_closes_at:
            actions.append(
                Action(
                    at=due,
                    kind="check_in_due",
                    deadline=f"check_in:{number}",
                    number=number,
                    reason=f"check-in {number} is due",
                )
            )
        for n, check_in in self.check_ins.items():
            if not check_in.held and not check_in.missed:
                actions.append(
                    Action(
                        at=check_in.due_at + policy.checkin_grace,
                        kind="check_in_missed",
                        deadline=f"check_in:{n}",
                        number=n,
                        reason=f"check-in {n} was not held within the grace period",
                    )
                )
        return actions


class ItemView(Followed):
    """The slice of an action item that decides its deadlines."""

    item_id: UUID
    policy: Policy | None = None
    owner: Party = Party.EMPLOYEE
    """The manager owns it: the ladder starts at the skip-level (as for case deadlines)."""
    due_at: datetime | None = None
    open: bool = True
    overdue_for: datetime | None = None

    def apply(self, event: LogEvent) -> None:
        name = event.name
        if name == ActionItem.ActionItemAgreed.__name__:
            self.due_at = _time(event.data["due_at"])
            self.policy = Policy.model_validate(event.context["policy"])
            self.owner = Party(event.context.get("owner", Party.EMPLOYEE))
        elif name == ActionItem.ActionItemRescheduled.__name__:
            self.due_at = _time(event.data["new_due_at"])
        elif name in (
            ActionItem.ActionItemCompleted.__name__,
            ActionItem.ActionItemCancelled.__name__,
        ):
            self.open = False

    @property
    def deadline(self) -> str:
        """The same key the domain uses, so a reschedule starts a new ladder."""
        assert self.due_at is not None
        return deadlines.keyed(deadlines.ACTION_ITEM_DUE, self.due_at.isoformat())

    @property
    def finished(self) -> bool:
        return not self.open

    def actions(self) -> list[Action]:
        if not self.open or self.policy is None or self.due_at is None:
            return []
        due, deadline = self.due_at, self.deadline
        actions = ladder(deadlines.ACTION_ITEM_DUE, due, self.policy, due.isoformat(), self.owner)
        actions.append(
            Action(at=due, kind="overdue", deadline=deadline, reason="the action item is overdue")
        )
        return actions


class CycleView(Followed):
    """A cycle's deadlines: its close date (unless HR closes it by hand first) and, with a
    retention in its policy, the day its cases' personal data is erased."""

    cycle_id: UUID
    closes_at: datetime | None = None
    closed: bool = False
    retention: float | None = None
    """Seconds the cases' personal data is kept after the cycle closes (None: kept)."""
    closed_at: datetime | None = None
    expired: bool = False
    enrol_after: float | None = None
    """Seconds after which a new hire is enrolled (None: HR enrols them)."""
    opened_at: datetime | None = None

    def apply(self, event: LogEvent) -> None:
        if event.name == Cycle.CycleOpened.__name__:
            self.closes_at = _time(event.context["closes_at"])
            self.retention = event.context.get("retention")
            self.enrol_after = event.context.get("enrol_after")
            self.opened_at = self.opened_at or event.occurred_at
        elif event.name == Cycle.CycleClosed.__name__:
            self.closed = True
            self.closed_at = event.occurred_at
        elif event.name == Cycle.CycleDataExpired.__name__:
            self.expired = True

    @property
    def closed_on_time(self) -> bool:
        """The workflow closed the cycle at its close date (not HR by hand before it)."""
        return any(key.startswith("close_cycle|") for key in self.done)

    @property
    def finished(self) -> bool:
        if self.retention is None:
            return self.closed or self.closed_on_time
        return self.expired or any(key.startswith("expire_data|") for key in self.done)

    def actions(self) -> list[Action]:
        found = []
        if not self.closed and self.closes_at is not None:
            found.append(
                Action(
                    at=self.closes_at,
                    kind="close_cycle",
                    deadline="cycle_close",
                    reason="the cycle's close date has come",
                )
            )
        enrolment = self._next_enrolment()
        if enrolment is not None:
            found.append(enrolment)
        if self.retention is not None and self.closed_at is not None and not self.expired:
            found.append(
                Action(
                    at=self.closed_at + timedelta(seconds=self.retention),
                    kind="expire_data",
                    deadline="retention",
                    reason="the cycle's retention period has passed",
                )
            )
        return found

    def _next_enrolment(self) -> Action | None:
        """While the cycle is open and its policy enrols new hires: a look for new hires
        due, every day (or every grace period, when that is shorter), until it closes."""
        if self.enrol_after is None or self.closed or self.opened_at is None:
            return None
        if self.closes_at is None:
            return None
        every = timedelta(seconds=min(self.enrol_after, 86_400.0))
        looks = sum(1 for key in self.done if key.startswith("enrol_new_hires|"))
        at = self.opened_at + every * (looks + 1)
        if at >= self.closes_at:
            return None
        return Action(
            at=at,
            kind="enrol_new_hires",
            deadline=f"enrol-{looks + 1}",
            reason="new hires past the cycle's grace period are enrolled",
        )


def next_wait(pending: list[Action], now: datetime) -> timedelta | None:
    """How long to sleep before the earliest pending action (None: until an event)."""
    if not pending:
        return None
    return max(pending[0].at - now, timedelta(0))
