"""ActionItemWorkflow: one per agreed action item; reminder, overdue, escalation ladder."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.activities import CareerActivities
    from workflows.deadline_engine import Action, ItemView
    from workflows.following import FollowingWorkflow
    from workflows.inputs import ItemStart
    from workflows.payloads import ItemSummary, ItemTimer


def item_workflow_id(item_id: UUID) -> str:
    return f"action-item-{item_id}"


def item_activity(view: ItemView, action: Action, now: datetime) -> tuple[Any, Any]:
    step = ItemTimer(item_id=view.item_id, reason=action.reason, at=now, rung=action.rung)
    if action.kind == "remind":
        return CareerActivities.remind_action_item, step
    if action.kind == "overdue":
        return CareerActivities.mark_action_item_overdue, step
    return CareerActivities.escalate_action_item, step


@workflow.defn
class ActionItemWorkflow(FollowingWorkflow):
    @workflow.run
    async def run(self, start: ItemStart) -> ItemSummary:
        view = await self.follow(
            start, start.view or ItemView(item_id=start.aggregate_id), item_activity
        )
        return ItemSummary(item_id=view.item_id, status="closed", actions_taken=self.actions_taken)
