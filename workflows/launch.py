"""Starting a cycle's workflow: the way HR's "open the cycle" reaches Temporal."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from temporalio.client import Client, WorkflowHandle

from domain.application import CareerFlow
from domain.values import Participants
from workflows.cycle_workflow import CycleWorkflow, cycle_workflow_id
from workflows.inputs import CycleRun
from workflows.messages import CycleStart


async def start_cycle(
    client: Client,
    app: CareerFlow,
    cycle_id: UUID,
    population: Sequence[Participants],
    task_queue: str,
    batch_size: int = 500,
) -> WorkflowHandle[CycleWorkflow, int]:
    """Start the CycleWorkflow that opens ``population`` in batches and closes the cycle."""
    cycle = app.get_cycle(cycle_id)
    start = CycleStart(
        cycle_id=cycle_id,
        closes_at=cycle.closes_at,
        population=list(population),
        batch_size=batch_size,
    )
    return await client.start_workflow(
        CycleWorkflow.run,
        CycleRun(start=start),
        id=cycle_workflow_id(cycle_id),
        task_queue=task_queue,
    )
