"""The worker: every workflow, and the activities bound to one application service."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from domain.application import CareerFlow
from workflows.action_item_workflow import ActionItemWorkflow
from workflows.activities import CareerActivities
from workflows.case_workflow import CaseWorkflow
from workflows.cycle_workflow import CycleWorkflow

WORKFLOWS = [CaseWorkflow, ActionItemWorkflow, CycleWorkflow]


def build_worker(
    client: Client, app: CareerFlow, task_queue: str, executor: ThreadPoolExecutor
) -> Worker:
    """A worker for every workflow, its activities running on ``executor``'s threads."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=CareerActivities(app).all(),
        activity_executor=executor,
    )
