"""ActionItem: one commitment agreed in a career conversation.

An item has an owner and a due time. It is its own aggregate so its timers and
its audit trail (reschedules, overdue, escalations) do not contend with the case.
Who may touch it and who stands on the escalation ladder come from the case's
current participants, which the caller passes in (the roster decides, not the item).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5

from domain import errors
from domain.absences import NOBODY_AWAY, Away
from domain.base import (
    By,
    Decision,
    FollowedUp,
    addressed,
    command,
    escalation_recipient,
    ladder,
    require_aware,
    require_system,
)
from domain.personal import ERASED, PersonalText, case_subject
from domain.values import ActionItemSpec, Participants, Rung


def action_item_id_for(case_id: UUID, key: str) -> UUID:
    """Derived ids make agreeing the same item twice name the same aggregate."""
    return uuid5(case_id, f"action-item:{key}")


@dataclass(frozen=True)
class CaseContext:
    """What an item needs to know of its case: the roster around it, the cycle's end, closure."""

    participants: Participants
    cycle_closes_at: datetime
    case_closed: bool
    away: Away = NOBODY_AWAY
    """Who is away when a timer step addresses someone (``domain/absences.py``)."""


class ItemStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ActionItem(FollowedUp):
    class ActionItemAgreed(FollowedUp.Created):
        case_id: UUID
        cycle_id: UUID
        employee_id: str
        spec: ActionItemSpec

        def apply(self, item: ActionItem) -> None:
            item.case_id = self.case_id
            item.cycle_id = self.cycle_id
            item.employee_id = self.employee_id
            item.title = self.spec.title
            item.owner_id = self.spec.owner_id
            item.due_at = self.spec.due_at
            item.agreed_at = self.timestamp

    class ActionItemCompleted(FollowedUp.Event):
        note: PersonalText
        late: bool

        def apply(self, item: ActionItem) -> None:
            item.status = ItemStatus.COMPLETED
            item.completed_at = self.timestamp

    class ActionItemRescheduled(FollowedUp.Event):
        new_due_at: datetime
        reason: PersonalText

        def apply(self, item: ActionItem) -> None:
            item.due_at = self.new_due_at
            item.overdue = False
            item.reschedules += 1

    class ActionItemCancelled(FollowedUp.Event):
        reason: PersonalText

        def apply(self, item: ActionItem) -> None:
            item.status = ItemStatus.CANCELLED

    class PersonalDataErased(FollowedUp.Event):
        """The employee's personal data was erased: the title reads as erased."""

        def apply(self, item: ActionItem) -> None:
            item.title = ERASED
            item.erased = True

    class ActionItemOverdue(FollowedUp.Event):
        due_at: datetime

        def apply(self, item: ActionItem) -> None:
            item.overdue = True

    @property
    def data_subject(self) -> str | None:
        return case_subject(self.employee_id, self.cycle_id)

    def __init__(self) -> None:
        super().__init__()
        self.case_id: UUID
        self.cycle_id: UUID
        self.employee_id: str
        self.title: str
        self.owner_id: str
        self.due_at: datetime
        self.agreed_at: datetime
        self.status = ItemStatus.OPEN
        self.completed_at: datetime | None = None
        self.overdue = False
        self.reschedules = 0
        self.erased = False

    @classmethod
    def agree(
        cls,
        *,
        id: UUID,
        case_id: UUID,
        cycle_id: UUID,
        employee_id: str,
        spec: ActionItemSpec,
        by: By,
    ) -> ActionItem:
        require_aware(by.at)
        return cls._create(
            cls.ActionItemAgreed,
            id=id,
            case_id=case_id,
            cycle_id=cycle_id,
            employee_id=employee_id,
            spec=spec,
            actor=by.actor,
            timestamp=by.at,
            idempotency_key=None,
        )

    @property
    def deadline(self) -> str:
        """The key of the current due time; a reschedule starts a new deadline."""
        return f"action_item_due:{self.due_at.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.status is ItemStatus.OPEN

    def _live(self, context: CaseContext) -> None:
        if context.case_closed:
            raise errors.CaseIsClosed("the item's case is closed", current="closed")
        if not self.is_open:
            raise errors.ActionItemClosed(f"the action item is {self.status}", current=self.status)

    def _permitted(self, actor: str, context: CaseContext, action: str) -> None:
        people = context.participants
        allowed = {self.owner_id, people.employee_id, people.manager_id}
        if actor not in allowed:
            raise errors.NotPermitted(actor, action, "the owner, the employee or their manager")

    @command(ActionItemCompleted)
    def complete(
        self,
        *,
        note: str = "",
        context: CaseContext,
        by: By,
    ) -> Decision:
        self._live(context)
        self._permitted(by.actor, context, "complete the action item")
        return {"note": note, "late": by.at > self.due_at}

    @command(ActionItemRescheduled)
    def reschedule(
        self,
        *,
        new_due_at: datetime,
        reason: str,
        context: CaseContext,
        by: By,
    ) -> Decision:
        self._live(context)
        self._permitted(by.actor, context, "reschedule the action item")
        require_aware(new_due_at, "new_due_at")
        if new_due_at <= by.at:
            raise errors.InvalidCommand("new_due_at", "must be in the future")
        if new_due_at == self.due_at:
            raise errors.InvalidCommand("new_due_at", "is already the due time")
        if new_due_at > context.cycle_closes_at:
            raise errors.OutsideCycle("new_due_at", "must be due before the cycle closes")
        if not reason.strip():
            raise errors.InvalidCommand("reason", "say why the item moves")
        return {"new_due_at": new_due_at, "reason": reason.strip()}

    @command(ActionItemCancelled)
    def cancel(
        self,
        *,
        reason: str,
        context: CaseContext,
        by: By,
    ) -> Decision:
        self._live(context)
        people = context.participants
        if by.actor not in (people.employee_id, people.manager_id):
            raise errors.NotPermitted(by.actor, "cancel the action item", "the employee or manager")
        if not reason.strip():
            raise errors.InvalidCommand("reason", "say why the item is cancelled")
        return {"reason": reason.strip()}

    @command(PersonalDataErased)
    def erase_personal_data(self, *, by: By) -> Decision:
        return None if self.erased else {}

    def close_with_case(self, *, by: By) -> bool:
        """The item's case closed: an open item is cancelled with it (it can no longer be owed)."""
        if not self.is_open:
            return False
        self._emit(self.ActionItemCancelled, by, reason="its case was closed")
        return True

    # --- timer steps (idempotent by state) --------------------------------------

    def mark_overdue(self, *, by: By) -> bool:
        require_system(by.actor, "mark an action item overdue")
        if not self.is_open or self.overdue:
            return False
        if by.at < self.due_at:
            raise errors.InvalidCommand("at", "the item is not due yet")
        self._emit(self.ActionItemOverdue, by, due_at=self.due_at)
        return True

    def record_reminder(self, *, reason: str, context: CaseContext, by: By) -> bool:
        """Remind the owner (or whoever stands in for them while they are away)."""
        if not self.is_open:
            return False
        people = context.participants
        start = 0 if self.owner_id == people.employee_id else int(Rung.MANAGER)
        if ladder(people)[start] != self.owner_id:  # an owner the roster has moved on from
            to: tuple[str, str | None] = (self.owner_id, None)
        else:
            to = addressed(people, start, context.away, fallback=self.owner_id)
        return self._record_reminder(
            deadline=self.deadline, to=to, reason=reason, due_at=self.due_at, by=by
        )

    def escalate(self, *, rung: Rung, context: CaseContext, reason: str, by: By) -> bool:
        if not self.is_open:
            return False
        people = context.participants
        recipient = escalation_recipient(people, rung)
        if recipient is None:
            raise errors.NoEscalationTarget("rung", f"{people.employee_id} has no {rung.name}")
        to = addressed(people, int(rung), context.away, fallback=None)
        return self._record_escalation(self.deadline, rung, to, reason, self.due_at, by)
