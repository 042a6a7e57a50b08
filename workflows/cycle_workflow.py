"""CycleWorkflow: one per cycle, started by the relay on ``CycleOpened``; closes it on time.

HR opens the cycle through the application (API or CLI), which opens every case;
the relay then starts this workflow with the cycle's id and, in the event, its
close date. At the close date it closes every case with its outcome and then the
cycle. With ``enrol_new_hires_after`` in the policy it looks every day (or every
grace period, if shorter) for people who joined the roster since the cycle opened
and are past their grace period, and enrols them. A cycle HR closes by hand arrives
as ``CycleClosed``. Without a retention in the policy that ends the workflow; with
one, it sleeps until the retention has passed, erases the cases' personal data and
ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.activities import CareerActivities
    from workflows.deadline_engine import Action, CycleView
    from workflows.following import FollowingWorkflow
    from workflows.inputs import CycleStart
    from workflows.payloads import CloseCycle


def cycle_workflow_id(cycle_id: UUID) -> str:
    return f"cycle-{cycle_id}"


CYCLE_ACTIVITIES = {
    "close_cycle": CareerActivities.close_cycle,
    "expire_data": CareerActivities.expire_cycle_data,
    "enrol_new_hires": CareerActivities.enrol_new_hires,
}


def close(view: CycleView, action: Action, now: datetime) -> tuple[Any, Any]:
    """Close the cycle (every case, then the cycle) at the close date; once its retention
    has passed, erase its cases' personal data; while it is open, enrol new hires due."""
    return CYCLE_ACTIVITIES[action.kind], CloseCycle(cycle_id=view.cycle_id, at=now)


@workflow.defn
class CycleWorkflow(FollowingWorkflow):
    @workflow.run
    async def run(self, start: CycleStart) -> bool:
        """True when the workflow closed the cycle, False when HR closed it first."""
        view = await self.follow(start, start.view or CycleView(cycle_id=start.aggregate_id), close)
        return view.closed_on_time
