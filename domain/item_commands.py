"""The commands on an action item: complete it, move its due date, cancel it."""

from __future__ import annotations

from pydantic import AwareDatetime

from domain.action_item import ActionItem, CaseContext
from domain.base import By
from domain.commands import ItemCommand
from domain.step_records import Stage, StepRecord, Task, Who
from domain.values import Note, Text


def item_step(action: str, path: str, summary: str, *tasks: str) -> StepRecord:
    """The record of a step on an action item: its owner takes it (the item checks who)."""
    return StepRecord(action, Who.ANYONE, Stage.CHECK_INS, path, summary, tasks)


class CompleteActionItem(ItemCommand):
    step = item_step(
        "complete the action item", "complete", "Mark the action item done", Task.FINISH_ACTION_ITEM
    )
    note: Note = ""

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.complete(note=self.note, context=context, by=by)


class RescheduleActionItem(ItemCommand):
    step = item_step("reschedule the action item", "reschedule", "Move the due date, with a reason")
    new_due_at: AwareDatetime
    reason: Text

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.reschedule(new_due_at=self.new_due_at, reason=self.reason, context=context, by=by)


class CancelActionItem(ItemCommand):
    step = item_step("cancel the action item", "cancel", "Cancel the action item, with a reason")
    reason: Text

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.cancel(reason=self.reason, context=context, by=by)
