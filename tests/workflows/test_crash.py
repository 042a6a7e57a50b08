"""Kill the worker and the relay in the middle of opening a 200-employee cycle.

They run as real processes (``careerflow worker`` / ``careerflow relay``) against
the dev server. After a SIGKILL and a restart: one workflow per case, every case
opened once, and no reminder or escalation recorded twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from temporalio.testing import WorkflowEnvironment

from application.service import CareerFlow
from careerflow.binaries import careerflow_process
from careerflow.settings import Settings
from domain.values import EscalationLadder, Participants, Policy
from tests.workflows.conftest import events

S = timedelta(seconds=1)


COUNT = 400


async def eventually(check: object, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_killing_worker_and_relay_mid_launch_duplicates_nothing(
    dev_server: WorkflowEnvironment, fresh_app: CareerFlow, fresh_settings: Settings
) -> None:
    app = fresh_app
    task_queue = f"crash-{uuid4()}"
    env = os.environ | {
        "DATABASE_URL": str(fresh_settings.database_url),
        "CAREERFLOW_DB_SCHEMA": fresh_settings.db_schema,
        "CAREERFLOW_TEMPORAL_ADDRESS": dev_server.client.service_client.config.target_host,
        "CAREERFLOW_TASK_QUEUE": task_queue,
    }
    policy = Policy(
        prep_window=12 * S,
        reminder_lead=2 * S,
        escalation=EscalationLadder(manager=1 * S, skip_level=1 * S, hr_partner=1 * S),
    )
    cycle_id = uuid4()
    start = datetime.now(UTC)
    app.create_cycle(
        cycle_id=cycle_id, name="crash", opens_at=start, closes_at=start + 600 * S,
        policy=policy, actor="hr", at=start,
    )  # fmt: skip
    people = [
        Participants(
            employee_id=f"e{i:03d}", manager_id=f"m{i % 10}", skip_level_id="s", hr_partner_id="h"
        )
        for i in range(COUNT)
    ]
    app.open_cycle(cycle_id, population=people, actor="hr", at=start)  # as the API opens it
    query = f'WorkflowType = "CaseWorkflow" AND TaskQueue = "{task_queue}"'

    async def started() -> int:
        return (await dev_server.client.count_workflows(query)).count

    with careerflow_process("worker", env) as worker, careerflow_process("relay", env) as relay:
        deadline = asyncio.get_running_loop().time() + 60
        while (killed_at := await started()) < 20:
            assert asyncio.get_running_loop().time() < deadline, "the relay started nothing"
            await asyncio.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        relay.send_signal(signal.SIGKILL)
        worker.wait()
        relay.wait()
    assert killed_at < COUNT, "the kill should land in the middle of the launch"

    with careerflow_process("worker", env), careerflow_process("relay", env):
        case_ids = [app.case_for(cycle_id, p.employee_id).id for p in people]
        # Every case gets its prep reminder and all three escalations (timers in seconds).
        await eventually(
            lambda: all([n for n, _ in events(app, c)].count("Escalated") == 3 for c in case_ids),
            90,
            "every case's escalations",
        )
        runs: Counter[str] = Counter()
        async for execution in dev_server.client.list_workflows(query):
            runs[execution.id] += 1
    assert len(runs) == COUNT
    assert set(runs.values()) == {1}
    for case_id in case_ids:
        history = events(app, case_id)
        assert [n for n, _ in history].count("CaseOpened") == 1
        follow_ups = [
            (n, d["deadline"], d.get("rung"))
            for n, d in history
            if n in ("ReminderSent", "Escalated")
        ]
        assert len(follow_ups) == len(set(follow_ups)) == 4
