"""The relay: follows the event log and signal-with-starts workflows.

One workflow per cycle, case and action item, started by the aggregate's first
relayed event (``CycleOpened`` starts the cycle's, which closes it at its close
date). It forwards only the events that move a deadline (the domain's
``ROUTES``), and of each only ids, times and the policy: never people's
free text, which stays out of Temporal's history. Per workflow in log order and
concurrently across workflows. Its position is recorded after a batch has been
delivered, so a restart re-sends at most that batch; workflows drop event ids they
have already applied. A closed workflow is never restarted by a late event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pydantic_core import to_jsonable_python
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from application.service import CareerFlow
from domain import subscriptions
from domain.action_item import ActionItem
from domain.cycle import Cycle
from domain.deadlines import FACT_FIELDS
from domain.values import Party, Policy
from eventlog.backoff import Backoff
from eventlog.follower import Delivery, LogFollower, TrackingStore
from eventlog.set_aside import ATTEMPTS, SetAside, is_outage
from eventlog.topics import topics_of
from workflows.action_item_workflow import ActionItemWorkflow, item_workflow_id
from workflows.case_workflow import CaseWorkflow, case_workflow_id
from workflows.cycle_workflow import CycleWorkflow, cycle_workflow_id
from workflows.inputs import CaseStart, CycleStart, ItemStart
from workflows.payloads import LogEvent

log = logging.getLogger(__name__)

DEADLINE_FIELDS = (
    "policy", "cycle_closes_at", "okr_planning_on", "number", "due_at", "new_due_at", *FACT_FIELDS
)  # fmt: skip
"""The only event fields a workflow is sent: times, numbers and the policy, never free text."""


def deadline_facts(event: Any) -> dict[str, Any]:
    facts = {name: getattr(event, name) for name in DEADLINE_FIELDS if hasattr(event, name)}
    if isinstance(event, ActionItem.ActionItemAgreed):
        facts["due_at"] = event.spec.due_at
    jsonable: dict[str, Any] = to_jsonable_python(facts)
    return jsonable


ROUTES: dict[type, str] = {
    **dict.fromkeys(subscriptions.CASE_DEADLINE_EVENTS, "case"),
    **dict.fromkeys(subscriptions.ITEM_DEADLINE_EVENTS, "item"),
    **dict.fromkeys(subscriptions.CYCLE_DEADLINE_EVENTS, "cycle"),
}
"""The relay's table: every event it forwards, and which kind of workflow it goes to."""
RELAYED_TOPICS = topics_of(ROUTES)


def _kind(event: Any) -> str:
    return ROUTES[type(event)]


WORKFLOW_ID = {"case": case_workflow_id, "item": item_workflow_id, "cycle": cycle_workflow_id}


class Relay:
    def __init__(
        self,
        app: CareerFlow,
        client: Client,
        task_queue: str,
        *,
        name: str = "relay",
        batch_size: int = 500,
        concurrency: int = 64,
    ) -> None:
        self.app = app
        self.client = client
        self.task_queue = task_queue
        self.name = name
        self.batch_size = batch_size
        self._limit = asyncio.Semaphore(concurrency)
        self._backoff = Backoff()
        self.delivered = 0
        self.workflow_ids: set[str] = set()
        self.case_workflows_started: set[str] = set()

    # --- translating events ------------------------------------------------------

    def _item_context(self, event: Any) -> dict[str, Any]:
        """An item's deadlines follow its case's policy; who owns it decides the first rung."""
        case = self.app.get_case(event.case_id)
        policy: Policy = case.policy
        owner = Party.MANAGER if event.spec.owner_id == case.manager_id else Party.EMPLOYEE
        return {"policy": policy.model_dump(mode="json"), "owner": owner.value}

    def message(self, delivery: Delivery) -> tuple[str, str, LogEvent]:
        """(kind, workflow id, message) for one delivered event: ids and deadline facts only."""
        event = delivery.event
        kind = _kind(event)
        context: dict[str, Any] = {}
        if isinstance(event, ActionItem.ActionItemAgreed):
            context = self._item_context(event)
        if isinstance(event, Cycle.CycleOpened):
            cycle = self.app.get_cycle(event.originator_id)
            context["closes_at"] = cycle.closes_at.isoformat()
            retention = event.policy.retention
            context["retention"] = None if retention is None else retention.total_seconds()
            grace = event.policy.enrol_new_hires_after
            context["enrol_after"] = None if grace is None else grace.total_seconds()
        message = LogEvent(
            id=delivery.position,
            aggregate_id=event.originator_id,
            name=type(event).__name__,
            actor=event.actor,
            occurred_at=event.timestamp,
            data=deadline_facts(event),
            context=context,
        )
        return kind, WORKFLOW_ID[kind](event.originator_id), message

    # --- delivering ------------------------------------------------------------------

    async def _send(self, kind: str, workflow_id: str, message: LogEvent) -> None:
        """Signal-with-start the aggregate's workflow (a finished one is never restarted)."""
        try:
            run: Any = {
                "case": CaseWorkflow.run,
                "item": ActionItemWorkflow.run,
                "cycle": CycleWorkflow.run,
            }[kind]
            start: Any = {
                "case": CaseStart,
                "item": ItemStart,
                "cycle": CycleStart,
            }[kind](aggregate_id=message.aggregate_id)
            await self.client.start_workflow(
                run,
                start,
                id=workflow_id,
                task_queue=self.task_queue,
                start_signal="event",
                start_signal_args=[message],
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
            if kind == "case":
                self.case_workflows_started.add(workflow_id)
        except WorkflowAlreadyStartedError:
            log.debug("%s already finished; %s not delivered", workflow_id, message.name)
        except RPCError as exc:
            if exc.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.ALREADY_EXISTS):
                raise
            log.debug("%s is not running; %s not delivered", workflow_id, message.name)

    async def _send_in_order(self, kind: str, workflow_id: str, messages: list[LogEvent]) -> None:
        async with self._limit:
            for message in messages:
                await self._send(kind, workflow_id, message)

    async def deliver(self, deliveries: list[Delivery]) -> None:
        """Deliver a batch: per workflow in log order, across workflows at once."""
        messages = await asyncio.to_thread(lambda: [self.message(d) for d in deliveries])
        groups: dict[tuple[str, str], list[LogEvent]] = defaultdict(list)
        for kind, workflow_id, message in messages:
            groups[(kind, workflow_id)].append(message)
            self.workflow_ids.add(workflow_id)
        await asyncio.gather(
            *(self._send_in_order(kind, wid, msgs) for (kind, wid), msgs in groups.items())
        )
        self.delivered += len(deliveries)

    async def run(
        self,
        stop: asyncio.Event,
        *,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        """Follow the log until ``stop`` is set; never stopped for good by one event.

        An outage (Temporal or PostgreSQL out of reach) is waited out with backoff and
        the batch delivered again; an event Temporal refuses, or that cannot be turned
        into a message, is retried, then set aside (``eventlog.set_aside``).
        """
        self._backoff.reset()
        while not stop.is_set():
            try:
                await self._follow(stop, on_batch)
            except Exception as exc:
                pause = self._backoff.pause()
                log.warning("relay stopped (%s); starting again in %.1f s", exc, pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)

    async def _follow(self, stop: asyncio.Event, on_batch: Callable[[int], None] | None) -> None:
        tracking = TrackingStore(self.app, self.name)
        set_aside = await asyncio.to_thread(SetAside, self.app, self.name)
        with LogFollower(self.app, self.name, tracking=tracking, topics=RELAYED_TOPICS) as follower:
            while not stop.is_set():
                batch = await asyncio.to_thread(follower.next_batch, self.batch_size, 0.2)
                if not batch:
                    continue
                await self._deliver_guarded(batch, set_aside, stop)
                position = batch[-1].position
                await asyncio.to_thread(tracking.record, position)
                self._backoff.reset()
                if on_batch is not None:
                    on_batch(position)

    async def _deliver_guarded(
        self, batch: list[Delivery], set_aside: SetAside, stop: asyncio.Event
    ) -> None:
        """Deliver the batch; wait out outages; set aside an event that keeps being refused."""
        pause, refused = 0.5, 0
        while refused < ATTEMPTS:
            try:
                await self.deliver(batch)
                return
            except Exception as exc:
                if not _outage(exc):
                    refused += 1
                    log.warning("delivery refused (%s), attempt %d", exc, refused)
                    continue
                log.warning("delivery failed (%s); retrying the batch in %.1f s", exc, pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
                pause = min(pause * 2, 30.0)
                if stop.is_set():
                    raise
        for delivery in batch:
            try:
                await self.deliver([delivery])
            except Exception as exc:
                if _outage(exc):
                    raise
                await asyncio.to_thread(set_aside.record, delivery, exc)


OUTAGE_STATUSES = {
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.CANCELLED,
    RPCStatusCode.ABORTED,
    RPCStatusCode.INTERNAL,
    RPCStatusCode.UNKNOWN,
}


def _outage(exc: BaseException) -> bool:
    """Temporal or PostgreSQL out of reach: wait and deliver again; anything else is the event."""
    if isinstance(exc, RPCError):
        return exc.status in OUTAGE_STATUSES
    return is_outage(exc)
