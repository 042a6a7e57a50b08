"""The commands on an action item: complete it, move its due date, cancel it."""

from __future__ import annotations

from pydantic import AwareDatetime

from domain.action_item import ActionItem, CaseContext
from domain.base import By
from domain.commands import ItemCommand
from domain.step_records import Stage, StepRecord, Task, Who
from domain.values import Note, Text


class CompleteActionItem(ItemCommand):
    step = StepRecord(
        action="complete the action item",
        who=Who.ANYONE,  # its owner; the item checks
        stage=Stage.CHECK_INS,
        path="complete",
        summary="Mark the action item done",
        tasks=(Task.FINISH_ACTION_ITEM,),
    )
    note: Note = ""

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.complete(note=self.note, context=context, by=by)


class RescheduleActionItem(ItemCommand):
    step = StepRecord(
        action="reschedule the action item",
        who=Who.ANYONE,
        stage=Stage.CHECK_INS,
        path="reschedule",
        summary="Move the due date, with a reason",
    )
    new_due_at: AwareDatetime
    reason: Text

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.reschedule(new_due_at=self.new_due_at, reason=self.reason, context=context, by=by)


class CancelActionItem(ItemCommand):
    step = StepRecord(
        action="cancel the action item",
        who=Who.ANYONE,
        stage=Stage.CHECK_INS,
        path="cancel",
        summary="Cancel the action item, with a reason",
    )
    reason: Text

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.cancel(reason=self.reason, context=context, by=by)
