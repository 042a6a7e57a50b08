"""Timer steps: the commands the workflows' activities take as the service.

Each is idempotent by domain state (a reminder per deadline, an escalation per
deadline and rung, a check-in per number), so a retried activity records nothing
twice. Only the service may take them (``Who.SERVICE``; items check the actor).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import AwareDatetime

from domain import case_events as ev
from domain.action_item import ActionItem, CaseContext
from domain.base import SYSTEM_ACTOR, By, CareerAggregate
from domain.case import DevelopmentCase
from domain.commands import CaseCommand, ItemCommand
from domain.step_records import StepRecord, Who
from domain.values import Party, Rung

# --- on a case ---------------------------------------------------------------------------


class RemindCase(CaseCommand):
    step = StepRecord(
        action="record a reminder",
        who=Who.SERVICE,
        tells=(DevelopmentCase.ReminderSent,),
    )
    deadline: str
    owner: Party
    reason: str
    due_at: AwareDatetime | None = None

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.record_reminder(
            deadline=self.deadline,
            owner=self.owner,
            reason=self.reason,
            due_at=self.due_at,
            by=By(SYSTEM_ACTOR, by.at),
        )
        return ()


class EscalateCase(CaseCommand):
    step = StepRecord(
        action="escalate",
        who=Who.SERVICE,
        tells=(DevelopmentCase.Escalated,),
    )
    deadline: str
    rung: Rung
    reason: str
    due_at: AwareDatetime | None = None

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.escalate(
            deadline=self.deadline,
            rung=self.rung,
            reason=self.reason,
            due_at=self.due_at,
            by=By(SYSTEM_ACTOR, by.at),
        )
        return ()


class MarkCheckInDue(CaseCommand):
    step = StepRecord(
        action="mark a check-in due",
        who=Who.SERVICE,
        tells=(ev.CheckInDue,),
    )
    number: int
    due_at: AwareDatetime

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.mark_check_in_due(number=self.number, due_at=self.due_at, by=By(SYSTEM_ACTOR, by.at))
        return ()


class MarkCheckInMissed(CaseCommand):
    step = StepRecord(
        action="mark a check-in missed",
        who=Who.SERVICE,
        tells=(ev.CheckInMissed,),
    )
    number: int

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.mark_check_in_missed(number=self.number, by=By(SYSTEM_ACTOR, by.at))
        return ()


# --- on an action item ----------------------------------------------------------------


class MarkItemOverdue(ItemCommand):
    step = StepRecord(
        action="mark an action item overdue",
        who=Who.SERVICE,
        tells=(ActionItem.ActionItemOverdue,),
    )

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.mark_overdue(by=By(SYSTEM_ACTOR, by.at))


class RemindItem(ItemCommand):
    step = StepRecord(
        action="record a reminder",
        who=Who.SERVICE,
        tells=(ActionItem.ReminderSent,),
    )
    reason: str

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.record_reminder(reason=self.reason, by=By(SYSTEM_ACTOR, by.at))


class EscalateItem(ItemCommand):
    step = StepRecord(
        action="escalate",
        who=Who.SERVICE,
        tells=(ActionItem.Escalated,),
    )
    rung: Rung
    reason: str

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.escalate(
            rung=self.rung,
            participants=context.participants,
            reason=self.reason,
            by=By(SYSTEM_ACTOR, by.at),
        )
