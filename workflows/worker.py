"""The worker: every workflow, and the activities bound to one application service."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

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


ACTIVITY_THREADS = 16
"""Threads running activities (each a blocking domain command) in one worker process."""


def worker_tuning(cached_workflows: int = CACHED_WORKFLOWS) -> dict[str, Any]:
    """The worker's concurrency; the storm benchmark's raw anchor runs with the same.

    A worker takes no more activities (local or not) than it has threads: one waiting for a thread
    would spend its start-to-close time in the queue and time out under load.
    """
    return {
        "max_cached_workflows": cached_workflows,
        "max_concurrent_activities": ACTIVITY_THREADS,
        "max_concurrent_local_activities": ACTIVITY_THREADS,
    }


def build_worker(
    client: Client,
    app: CareerFlow,
    task_queue: str,
    executor: ThreadPoolExecutor,
    digests: DigestActivities | None = None,
    *,
    cached_workflows: int = CACHED_WORKFLOWS,
    sandboxed: bool = True,
) -> Worker:
    """A worker for every workflow, its activities running on ``executor``'s threads.

    ``digests`` sends the daily digests (it needs the notification channels).
    ``sandboxed`` runs each workflow in Temporal's sandbox, which imports the workflow's
    module anew for every workflow it builds: a copy of its code per cached workflow,
    and an import each time one is rebuilt after eviction. The tests keep it on, so it
    checks that the workflow code stays deterministic and free of side effects (and
    every workflow a test ran is replayed); ``careerflow worker`` runs without it
    (``worker_sandbox``), the cost measured by ``bench/storm_bench.py``.
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
        workflow_runner=SandboxedWorkflowRunner() if sandboxed else UnsandboxedWorkflowRunner(),
        **worker_tuning(cached_workflows),
    )
