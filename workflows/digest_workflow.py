"""DigestWorkflow: one per recipient; sends their escalations as one message at their hour.

The notifier signal-with-starts it (``schedule_digest``) with each escalation's
event id and the digest's time, already worked out in the recipient's time zone.
It sleeps until the earliest time, sends every escalation due by then as one
digest (an activity), and ends once nothing is pending; the next escalation
starts a new run. A re-sent signal for an escalation already pending or sent
adds nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Protocol

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy

with workflow.unsafe.imports_passed_through():
    from workflows.payloads import DigestEntry, DigestSend, DigestStart

REMEMBERED = 1_000
"""How many sent event ids a run keeps to drop re-sent signals."""
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


def digest_workflow_id(recipient_id: str) -> str:
    return f"digest-{recipient_id}"


class SendsDigests(Protocol):
    """What sends one digest (``notifications.digest.DigestSender``, wired by the root)."""

    def send(self, recipient_id: str, event_ids: Sequence[int]) -> int: ...


class DigestActivities:
    def __init__(self, sender: SendsDigests) -> None:
        self.sender = sender

    @activity.defn
    def send_digest(self, step: DigestSend) -> int:
        return self.sender.send(step.recipient_id, step.event_ids)


@workflow.defn
class DigestWorkflow:
    def __init__(self) -> None:
        self.pending: dict[int, DigestEntry] = {}
        self.sent: list[int] = []

    @workflow.signal
    def escalation(self, entry: DigestEntry) -> None:
        if entry.event_id not in self.pending and entry.event_id not in self.sent:
            self.pending[entry.event_id] = entry

    @workflow.query
    def waiting(self) -> list[int]:
        return sorted(self.pending)

    def _changed(self, count: int) -> Callable[[], bool]:
        return lambda: len(self.pending) != count

    @workflow.run
    async def run(self, start: DigestStart) -> int:
        """How many escalations this run sent (as however many digests it took)."""
        for entry in start.pending:
            self.escalation(entry)
        self.sent = list(start.sent)
        sent = 0
        while self.pending:
            now = workflow.now()
            due = sorted(i for i, e in self.pending.items() if e.send_at <= now)
            if due:
                await workflow.execute_activity_method(
                    DigestActivities.send_digest,
                    DigestSend(recipient_id=start.recipient_id, event_ids=due),
                    start_to_close_timeout=timedelta(seconds=60),
                    retry_policy=RETRY,
                )
                for event_id in due:
                    del self.pending[event_id]
                self.sent = [*self.sent, *due][-REMEMBERED:]
                sent += len(due)
                continue
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    DigestStart(
                        recipient_id=start.recipient_id,
                        pending=list(self.pending.values()),
                        sent=self.sent,
                    )
                )
            earliest = min(e.send_at for e in self.pending.values())
            with contextlib.suppress(TimeoutError):  # a sooner digest may be asked for meanwhile
                await workflow.wait_condition(
                    self._changed(len(self.pending)), timeout=earliest - now
                )
        return sent


async def schedule_digest(
    client: Client, task_queue: str, recipient_id: str, entry: DigestEntry
) -> None:
    """Add an escalation to the recipient's next digest (starting their workflow if need be)."""
    await client.start_workflow(
        DigestWorkflow.run,
        DigestStart(recipient_id=recipient_id),
        id=digest_workflow_id(recipient_id),
        task_queue=task_queue,
        start_signal="escalation",
        start_signal_args=[entry],
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
