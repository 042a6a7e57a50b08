"""The raw anchor's workflow: sleep until an instant, then run one activity.

A module of its own and free of side effects, because Temporal's sandbox imports
it again for every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy


@dataclass(frozen=True)
class Wake:
    """When to wake (seconds since the epoch, plain for every converter), and the row's number."""

    at: float
    number: int


@workflow.defn
class SleepThenInsert:
    @workflow.run
    async def run(self, wake: Wake) -> None:
        await workflow.sleep(max(0.0, wake.at - workflow.now().timestamp()))
        await workflow.execute_activity(
            "insert_row",
            wake,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=10)),
        )
