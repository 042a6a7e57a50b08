"""The worker: every workflow, and the activities bound to one application service."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from application.service import CareerFlow
from workflows.action_item_workflow import ActionItemWorkflow
from workflows.activities import CareerActivities
from workflows.case_workflow import CaseWorkflow
from workflows.cycle_workflow import CycleWorkflow
from workflows.digest_workflow import DigestActivities, DigestWorkflow

WORKFLOWS = [CaseWorkflow, ActionItemWorkflow, CycleWorkflow, DigestWorkflow]

CACHED_WORKFLOWS = 10_000
"""Workflows a worker keeps in memory between tasks (Temporal's default is 1,000). Every
case has a workflow; one evicted from the cache is rebuilt in a new sandbox and
replayed on its next task, which made a worker CPU-bound when 10,000 reminders fell
due together (``bench/scale_bench.py``)."""


def build_worker(
    client: Client,
    app: CareerFlow,
    task_queue: str,
    executor: ThreadPoolExecutor,
    digests: DigestActivities | None = None,
    *,
    cached_workflows: int = CACHED_WORKFLOWS,
) -> Worker:
    """A worker for every workflow, its activities running on ``executor``'s threads.

    ``digests`` sends the daily digests (it needs the notification channels).
    """
    activities = CareerActivities(app).all()
    if digests is not None:
        activities.append(digests.send_digest)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        activity_executor=executor,
        max_cached_workflows=cached_workflows,
    )
