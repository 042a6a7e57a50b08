"""Timer steps: the commands the workflows' activities take as the service.

Each is idempotent by domain state (a reminder per deadline, an escalation per
deadline and rung, a check-in per number), so a retried activity records nothing
twice. Only the service may take them (``Who.SERVICE``; items check the actor).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import AwareDatetime

from domain import case_events as ev
from domain.absences import NOBODY_AWAY, Away
from domain.action_item import ActionItem, CaseContext
from domain.base import SYSTEM_ACTOR, By, CareerAggregate
from domain.case import DevelopmentCase
from domain.commands import CaseCommand, ItemCommand
from domain.step_records import StepRecord, Who
from domain.values import Participants, Party, Rung


def service_step(action: str, tells: type) -> StepRecord:
    """The record of a step the service takes when a timer fires (it tells of its event)."""
    return StepRecord(action=action, who=Who.SERVICE, tells=(tells,))


# --- on a case ---------------------------------------------------------------------------


class FollowRoster(CaseCommand):
    """The roster gave the case other people (a new manager, skip-level or HR partner):
    the open manager steps, reminders and escalations go to them; both managers are told.
    Taken by a roster import (a file or the identity provider), not by a timer."""

    step = service_step("move the case to the roster's people", ev.ManagerChanged)
    participants: Participants

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.change_manager(participants=self.participants, by=by)
        return ()


class NoteAbsence(CaseCommand):
    """The employee is (or was) away: their own deadlines move by it. Taken when an
    absence is recorded or ended early, not by a timer; silent (the roster's record is
    what people see)."""

    step = StepRecord(action="note the employee's absence", who=Who.SERVICE)
    number: int
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.note_absence(**self.arguments(), by=By(SYSTEM_ACTOR, by.at))
        return ()


class AddressedStep:
    """A timer step that addresses someone (a mixin of its command): whoever is away is
    stood in for (the command path passes who is away when it fires)."""

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        return self.apply_addressed(case, NOBODY_AWAY, by)

    def apply_addressed(
        self, case: DevelopmentCase, away: Away, by: By
    ) -> Sequence[CareerAggregate]:
        raise NotImplementedError


class RemindCase(AddressedStep, CaseCommand):
    step = service_step("record a reminder", DevelopmentCase.ReminderSent)
    deadline: str
    owner: Party
    reason: str
    due_at: AwareDatetime | None = None

    def apply_addressed(
        self, case: DevelopmentCase, away: Away, by: By
    ) -> Sequence[CareerAggregate]:
        case.record_reminder(**self.arguments(), away=away, by=By(SYSTEM_ACTOR, by.at))
        return ()


class EscalateCase(AddressedStep, CaseCommand):
    step = service_step("escalate", DevelopmentCase.Escalated)
    deadline: str
    rung: Rung
    reason: str
    due_at: AwareDatetime | None = None

    def apply_addressed(
        self, case: DevelopmentCase, away: Away, by: By
    ) -> Sequence[CareerAggregate]:
        case.escalate(**self.arguments(), away=away, by=By(SYSTEM_ACTOR, by.at))
        return ()


class MarkCheckInDue(CaseCommand):
    step = service_step("mark a check-in due", ev.CheckInDue)
    number: int
    due_at: AwareDatetime

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.mark_check_in_due(**self.arguments(), by=By(SYSTEM_ACTOR, by.at))
        return ()


class MarkCheckInMissed(CaseCommand):
    step = service_step("mark a check-in missed", ev.CheckInMissed)
    number: int

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.mark_check_in_missed(number=self.number, by=By(SYSTEM_ACTOR, by.at))
        return ()


# --- on an action item ----------------------------------------------------------------


class MarkItemOverdue(ItemCommand):
    step = service_step("mark an action item overdue", ActionItem.ActionItemOverdue)

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.mark_overdue(by=By(SYSTEM_ACTOR, by.at))


class RemindItem(ItemCommand):
    step = service_step("record a reminder", ActionItem.ReminderSent)
    reason: str

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.record_reminder(reason=self.reason, context=context, by=By(SYSTEM_ACTOR, by.at))


class EscalateItem(ItemCommand):
    step = service_step("escalate", ActionItem.Escalated)
    rung: Rung
    reason: str

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.escalate(**self.arguments(), context=context, by=By(SYSTEM_ACTOR, by.at))
