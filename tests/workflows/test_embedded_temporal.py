"""The embedded Temporal keeps its timers in the data directory: they survive a restart."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path

from temporalio import workflow
from temporalio.worker import Worker

from careerflow.embedded_temporal import embedded_temporal
from careerflow.settings import DataFiles, Settings
from workflows.client import connect


@workflow.defn(sandboxed=False)
class SleepyWorkflow:
    @workflow.run
    async def run(self, seconds: float) -> str:
        await workflow.sleep(timedelta(seconds=seconds))
        return "woke up"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_a_timer_set_before_a_restart_fires_after_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, temporal_port=free_port(), temporal_ui_port=free_port())
    with embedded_temporal(settings) as temporal:
        assert temporal.ui_url.endswith(str(settings.temporal_ui_port))
        client = await connect(temporal.address)
        await client.start_workflow(SleepyWorkflow.run, 4.0, id="sleepy", task_queue="t")
    assert settings.in_data_dir(DataFiles.TEMPORAL_DB).exists()

    with embedded_temporal(settings) as temporal:  # a new server process on the same file
        client = await connect(temporal.address)
        async with Worker(client, task_queue="t", workflows=[SleepyWorkflow]):
            handle = client.get_workflow_handle("sleepy", result_type=str)
            assert await asyncio.wait_for(handle.result(), timeout=60) == "woke up"
