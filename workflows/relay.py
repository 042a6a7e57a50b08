"""The relay: follows the event log and signals (or signal-with-starts) workflows.

It forwards only the events that move a deadline, in log order per workflow and
concurrently across workflows. Its position is recorded after a batch has been
delivered, so a restart re-sends at most that batch; workflows drop event ids they
have already applied. A closed workflow is never restarted by a late event.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.action_item import ActionItem
from domain.application import CareerFlow
from domain.case import DevelopmentCase
from domain.cycle import Cycle
from domain.history import history_entry
from domain.values import Policy
from projections.follower import Delivery, LogFollower
from workflows.action_item_workflow import ActionItemWorkflow, item_workflow_id
from workflows.case_workflow import CaseWorkflow, case_workflow_id
from workflows.cycle_workflow import cycle_workflow_id
from workflows.inputs import CaseStart, ItemStart
from workflows.messages import LogEvent

log = logging.getLogger(__name__)

CASE_EVENTS = (
    "CaseOpened", "SelfAssessmentRecorded", "MeetingRequested", "MeetingAccepted",
    "MeetingRescheduled", "MeetingDeclined", "MeetingHeld", "PlanDrafted", "PlanSubmitted",
    "PlanChangesRequested", "PlanApproved", "CheckInDue", "CheckInHeld", "CheckInMissed",
    "CaseClosed",
)  # fmt: skip
ITEM_EVENTS = (
    "ActionItemAgreed", "ActionItemRescheduled", "ActionItemCompleted", "ActionItemCancelled",
)  # fmt: skip
CYCLE_EVENTS = ("CycleClosed",)


def relayed_topics() -> list[str]:
    """The topics the relay subscribes to (the log is filtered in the database)."""
    return [
        get_topic(getattr(cls, name))
        for cls, names in (
            (DevelopmentCase, CASE_EVENTS),
            (ActionItem, ITEM_EVENTS),
            (Cycle, CYCLE_EVENTS),
        )
        for name in names
    ]


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
        self._policies: dict[UUID, dict[str, Any]] = {}
        self.delivered = 0
        self.workflow_ids: set[str] = set()
        self.case_workflows_started: set[str] = set()

    # --- translating events ------------------------------------------------------

    def _case_policy(self, case_id: UUID) -> dict[str, Any]:
        if case_id not in self._policies:
            if len(self._policies) > 10_000:
                self._policies.clear()
            policy: Policy = self.app.get_case(case_id).policy
            self._policies[case_id] = policy.model_dump(mode="json")
        return self._policies[case_id]

    def message(self, delivery: Delivery) -> tuple[str, str, LogEvent]:
        """(kind, workflow id, message) for one delivered event."""
        event = delivery.event
        kind = (
            "case"
            if isinstance(event, DevelopmentCase.Event)
            else "item"
            if isinstance(event, ActionItem.Event)
            else "cycle"
        )
        entry = history_entry(event, kind)
        context: dict[str, Any] = {}
        if entry.event == "ActionItemAgreed":
            context["policy"] = self._case_policy(event.case_id)
        message = LogEvent(
            id=delivery.position,
            aggregate_id=entry.aggregate_id,
            name=entry.event,
            actor=entry.actor,
            occurred_at=entry.occurred_at,
            data=entry.payload,
            context=context,
        )
        workflow_id = {
            "case": case_workflow_id,
            "item": item_workflow_id,
            "cycle": cycle_workflow_id,
        }[kind](entry.aggregate_id)
        return kind, workflow_id, message

    # --- delivering ------------------------------------------------------------------

    async def _send(self, kind: str, workflow_id: str, message: LogEvent) -> None:
        """Signal-with-start a case or item workflow; only signal a cycle's (it has its starter)."""
        try:
            if kind == "cycle":
                await self.client.get_workflow_handle(workflow_id).signal("event", message)
                return
            run: Any = CaseWorkflow.run if kind == "case" else ActionItemWorkflow.run
            start: Any = (
                CaseStart(case_id=message.aggregate_id)
                if kind == "case"
                else ItemStart(item_id=message.aggregate_id)
            )
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
        """Follow the log until ``stop`` is set; a failed batch is retried."""
        with LogFollower(self.app, self.name, topics=relayed_topics()) as follower:
            while not stop.is_set():
                batch = await asyncio.to_thread(follower.next_batch, self.batch_size, 0.2)
                if not batch:
                    continue
                while True:
                    try:
                        await self.deliver(batch)
                        break
                    except RPCError:
                        log.exception("delivery failed; retrying the batch")
                        await asyncio.sleep(1)
                        if stop.is_set():
                            return
                position = batch[-1].position
                await asyncio.to_thread(follower.record, position)
                if on_batch is not None:
                    on_batch(position)
