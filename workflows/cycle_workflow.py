"""CycleWorkflow: opens a cycle in batches, then closes every case at the close date.

Opening runs the domain command a batch at a time (idempotent: a retried or
replayed batch opens nothing twice); each CaseOpened event then reaches the relay,
which starts that case's workflow. Once the population is open the workflow
continues as new without it, so the large input does not stay in its history.
The close date comes with the start; a manual close arrives as the CycleClosed
event, delivered by the relay.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.activities import CareerActivities
    from workflows.following import RETRY
    from workflows.inputs import CycleRun, CycleState
    from workflows.messages import CloseCycle, LogEvent, OpenBatch


def cycle_workflow_id(cycle_id: UUID) -> str:
    return f"cycle-{cycle_id}"


@workflow.defn
class CycleWorkflow:
    def __init__(self) -> None:
        self._events: list[LogEvent] = []

    @workflow.signal
    def event(self, event: LogEvent) -> None:
        self._events.append(event)

    def _apply(self, state: CycleState) -> None:
        events, self._events = self._events, []
        for event in sorted(events, key=lambda e: e.id):
            if event.id <= state.last_event_id:
                continue
            state.last_event_id = event.id
            if event.name == "CycleClosed":
                state.closed = True

    @workflow.run
    async def run(self, run: CycleRun) -> int:
        start, state = run.start, run.state
        if start.population:
            for first in range(0, len(start.population), start.batch_size):
                batch = start.population[first : first + start.batch_size]
                state.opened_cases += await workflow.execute_activity_method(
                    CareerActivities.open_cases,
                    OpenBatch(cycle_id=start.cycle_id, population=batch, at=workflow.now()),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=RETRY,
                )
            self._apply(state)
            workflow.continue_as_new(
                CycleRun(start=start.model_copy(update={"population": []}), state=state)
            )
        while True:
            self._apply(state)
            if state.closed:
                return state.opened_cases
            if workflow.now() >= start.closes_at:
                await workflow.execute_activity_method(
                    CareerActivities.close_cycle,
                    CloseCycle(cycle_id=start.cycle_id, at=workflow.now()),
                    start_to_close_timeout=timedelta(minutes=30),
                    heartbeat_timeout=timedelta(minutes=2),
                    retry_policy=RETRY,
                )
                return state.opened_cases
            wait = start.closes_at - workflow.now()
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: bool(self._events), timeout=wait)
