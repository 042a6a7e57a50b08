"""CycleWorkflow: one per cycle, started by the relay on ``CycleOpened``; closes it on time.

HR opens the cycle through the application (API or CLI), which opens every case;
the relay then starts this workflow with the cycle's id and, in the event, its
close date. At the close date it closes every case with its outcome and then the
cycle. A cycle HR closes by hand arrives as ``CycleClosed`` and ends the workflow.
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


def close(view: CycleView, action: Action, now: datetime) -> tuple[Any, Any]:
    """The cycle's one action: close it (every case, then the cycle) at the close date."""
    return CareerActivities.close_cycle, CloseCycle(cycle_id=view.cycle_id, at=now)


@workflow.defn
class CycleWorkflow(FollowingWorkflow):
    @workflow.run
    async def run(self, start: CycleStart) -> bool:
        """True when the workflow closed the cycle, False when HR closed it first."""
        view = await self.follow(start, start.view or CycleView(cycle_id=start.aggregate_id), close)
        return view.closed_on_time
