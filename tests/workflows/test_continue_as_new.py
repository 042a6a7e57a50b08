"""A long-lived case continues as new and loses or repeats nothing (dev server, real timers).

The time-skipping test server rejects a continue-as-new that races a signal
("invalid history builder state"), where a real server retries the task; so this
runs on the dev server, with a check-in cadence of one second and a tiny history
limit.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from application.service import CareerFlow
from domain.commands import AcceptMeeting, HoldMeeting, RequestMeeting
from domain.plan_commands import ApprovePlan, DraftPlan, SubmitPlan
from domain.values import Participants, Policy
from tests.factories import goal, open_cycle_with, plan
from tests.workflows.conftest import events, run_stack
from workflows.case_workflow import CaseWorkflow, case_workflow_id
from workflows.inputs import CaseStart

S = timedelta(seconds=1)


async def test_a_long_lived_case_continues_as_new_without_losing_or_repeating_anything(
    dev_server: WorkflowEnvironment, fresh_app: CareerFlow
) -> None:
    app = fresh_app
    policy = Policy(
        prep_window=timedelta(days=100),
        meeting_request_window=timedelta(days=100),
        checkin_cadence=1 * S,
        checkin_grace=timedelta(days=100),
        meeting_notice=1 * S,
    )
    async with run_stack(dev_server.client, app) as stack:
        start = datetime.now(UTC)
        cycle_id = open_cycle_with(
            app,
            [Participants(employee_id="emp", manager_id="mgr")],
            start=start,
            closes=start + timedelta(days=30),
            policy=policy,
        )
        case_id = app.case_for(cycle_id, "emp").id
        # Started here with a small history limit; the relay then only signals it.
        first = await dev_server.client.start_workflow(
            CaseWorkflow.run,
            CaseStart(aggregate_id=case_id, history_limit=60),
            id=case_workflow_id(case_id),
            task_queue=stack.task_queue,
        )
        t = datetime.now(UTC)
        app.execute(case_id, RequestMeeting(proposed_for=t + 1 * S), actor="emp", at=t)
        app.execute(case_id, AcceptMeeting(), actor="mgr", at=t)
        await asyncio.sleep(1.1)
        t = datetime.now(UTC)
        app.execute(case_id, HoldMeeting(held_at=t), actor="mgr", at=t)
        app.execute(
            case_id,
            DraftPlan.of(plan(goal(due_on=(t + timedelta(days=20)).date()))),
            actor="emp",
            at=t,
        )
        app.execute(case_id, SubmitPlan(), actor="emp", at=t)
        app.execute(case_id, ApprovePlan(), actor="mgr", at=t)

        handle = dev_server.client.get_workflow_handle(case_workflow_id(case_id))
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            numbers = [d["number"] for n, d in events(app, case_id) if n == "CheckInDue"]
            run_id = (await handle.describe()).run_id
            if len(numbers) >= 12 and run_id != first.result_run_id:
                break
            assert asyncio.get_running_loop().time() < deadline, f"{len(numbers)} check-ins"
            await asyncio.sleep(0.2)
    numbers = [d["number"] for n, d in events(app, case_id) if n == "CheckInDue"]
    assert numbers == list(range(1, len(numbers) + 1)), "none lost, none repeated"
