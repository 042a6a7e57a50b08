"""CaseWorkflow: one per case; the clock of every deadline in the case."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.activities import CareerActivities
    from workflows.deadlines import Action, CaseView
    from workflows.following import FollowingWorkflow
    from workflows.inputs import CaseStart
    from workflows.messages import CaseEscalation, CaseReminder, CaseSummary, CheckInStep


def case_workflow_id(case_id: UUID) -> str:
    return f"case-{case_id}"


def case_activity(view: CaseView, action: Action, now: datetime) -> tuple[Any, Any]:
    """The activity (and its argument) that carries out a due case action."""
    case_id = view.case_id
    if action.kind == "remind":
        assert action.owner is not None
        return CareerActivities.remind_case, CaseReminder(
            case_id=case_id,
            deadline=action.deadline,
            owner=action.owner,
            reason=action.reason,
            at=now,
        )
    if action.kind == "escalate":
        assert action.rung is not None
        return CareerActivities.escalate_case, CaseEscalation(
            case_id=case_id,
            deadline=action.deadline,
            rung=action.rung,
            reason=action.reason,
            at=now,
        )
    assert action.number is not None
    method = (
        CareerActivities.mark_check_in_due
        if action.kind == "check_in_due"
        else CareerActivities.mark_check_in_missed
    )
    return method, CheckInStep(case_id=case_id, number=action.number, due_at=action.at, at=now)


@workflow.defn
class CaseWorkflow(FollowingWorkflow):
    @workflow.run
    async def run(self, start: CaseStart) -> CaseSummary:
        view = await self.follow(
            start, start.view or CaseView(case_id=start.aggregate_id), case_activity
        )
        return CaseSummary(case_id=view.case_id, phase=view.phase, actions_taken=self.actions_taken)
