"""Real Temporal for workflow tests: a time-skipping test server and a schema per test.

A server per test: workflows left running by an earlier test (their worker gone)
would otherwise hold time still for the next one.

Each test runs a worker on its own task queue and a relay that follows its own
schema's log, so tests never see each other's cases.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from application.service import CareerFlow
from careerflow.binaries import find_binary
from workflows.relay import RELAYED_TOPICS, Relay
from workflows.worker import ACTIVITY_THREADS, WORKFLOWS, build_worker


@pytest_asyncio.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@pytest_asyncio.fixture
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"), data_converter=pydantic_data_converter
    )
    yield env
    await env.shutdown()


@dataclass
class Stack:
    """The worker and the relay of one test, and ways to wait for them."""

    app: CareerFlow
    client: Client
    task_queue: str
    relay: Relay
    position: int = 0
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    extra_workflow_ids: set[str] = field(default_factory=set)

    def relayed_head(self) -> int:
        notes = self.app.recorder.select_notifications(
            start=1, limit=1_000_000, topics=RELAYED_TOPICS
        )
        return notes[-1].id if notes else 0

    async def settle(self, *workflow_ids: str, timeout: float = 20) -> None:
        """Wait until the relay delivered the log and the workflows applied it."""
        head = self.relayed_head()
        deadline = asyncio.get_running_loop().time() + timeout
        while self.position < head:
            assert asyncio.get_running_loop().time() < deadline, "relay did not catch up"
            await asyncio.sleep(0.05)
        for workflow_id in workflow_ids:
            handle = self.client.get_workflow_handle(workflow_id)
            last = self.last_event_for(workflow_id)
            applied = -1
            while applied < last:
                assert asyncio.get_running_loop().time() < deadline, f"{workflow_id} lagging"
                try:
                    applied = await handle.query("applied")
                except RPCError:  # not started yet
                    await asyncio.sleep(0.05)
                    continue
                if applied < last:
                    await asyncio.sleep(0.05)

    def last_event_for(self, workflow_id: str) -> int:
        aggregate = UUID(workflow_id[-36:])
        notes = self.app.recorder.select_notifications(
            start=1, limit=1_000_000, topics=RELAYED_TOPICS
        )
        ids = [n.id for n in notes if n.originator_id == aggregate]
        return ids[-1] if ids else 0


@asynccontextmanager
async def run_stack(
    client: Client, app: CareerFlow, *, sandboxed: bool = True
) -> AsyncIterator[Stack]:
    """A worker and a relay on a fresh task queue; on the way out, every workflow
    the test produced is replayed against the current workflow code."""
    task_queue = f"tq-{uuid.uuid4()}"
    relay = Relay(app, client, task_queue)
    the_stack = Stack(app=app, client=client, task_queue=task_queue, relay=relay)

    def moved(position: int) -> None:
        the_stack.position = position

    with ThreadPoolExecutor(ACTIVITY_THREADS) as executor:
        async with build_worker(client, app, task_queue, executor, sandboxed=sandboxed):
            relay_task = asyncio.create_task(relay.run(the_stack.stopped, on_batch=moved))
            try:
                yield the_stack
            finally:
                the_stack.stopped.set()
                await relay_task
    await replay_all(client, relay.workflow_ids | the_stack.extra_workflow_ids)


async def replay_all(client: Client, workflow_ids: set[str]) -> int:
    """Replay each workflow's history (its latest run) with the current code."""
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    replayed = 0
    for workflow_id in sorted(workflow_ids):
        try:
            history = await client.get_workflow_handle(workflow_id).fetch_history()
        except RPCError:
            continue  # signalled but never started (a cycle without its workflow)
        await replayer.replay_workflow(history)
        replayed += 1
    return replayed


@pytest_asyncio.fixture
async def stack(time_skipping: WorkflowEnvironment, fresh_app: CareerFlow) -> AsyncIterator[Stack]:
    async with run_stack(time_skipping.client, fresh_app) as the_stack:
        yield the_stack


def events(app: CareerFlow, aggregate_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    """(event name, payload) of one aggregate, in order."""
    from application.history import history_entry

    return [
        (h.event, h.payload) for h in (history_entry(e, "x") for e in app.events.get(aggregate_id))
    ]


async def now(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time()


__all__ = ["Stack", "events", "now", "timedelta"]
