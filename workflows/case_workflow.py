"""CaseWorkflow: one per case; the clock of every deadline in the case."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.activities import CareerActivities
    from workflows.deadline_engine import Action, CaseView
    from workflows.following import FollowingWorkflow
    from workflows.inputs import CaseStart
    from workflows.payloads import CaseFollowUp, CaseSummary, CheckInTimer


def case_workflow_id(case_id: UUID) -> str:
    return f"case-{case_id}"


ACTIVITY: dict[str, Any] = {
    "remind": CareerActivities.remind_case,
    "escalate": CareerActivities.escalate_case,
    "check_in_due": CareerActivities.mark_check_in_due,
    "check_in_missed": CareerActivities.mark_check_in_missed,
}


def case_activity(view: CaseView, action: Action, now: datetime) -> tuple[Any, Any]:
    """The activity (and its argument) that carries out a due case action."""
    if action.number is None:
        return ACTIVITY[action.kind], CaseFollowUp(
            case_id=view.case_id,
            deadline=action.deadline,
            reason=action.reason,
            at=now,
            owner=action.owner,
            rung=action.rung,
            due_at=action.due_at,
        )
    step = CheckInTimer(case_id=view.case_id, number=action.number, due_at=action.at, at=now)
    return ACTIVITY[action.kind], step


@workflow.defn
class CaseWorkflow(FollowingWorkflow):
    @workflow.run
    async def run(self, start: CaseStart) -> CaseSummary:
        view = await self.follow(
            start, start.view or CaseView(case_id=start.aggregate_id), case_activity
        )
        return CaseSummary(case_id=view.case_id, phase=view.phase, actions_taken=self.actions_taken)
