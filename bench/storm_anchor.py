"""The reminder storm's raw anchor: what the same Temporal server and PostgreSQL do bare.

N workflows each sleep until the same instant, then run one activity that inserts
one row. Its worker runs in a process of its own with the same tuning as
careerflow's worker, so the ratio of the two rates is careerflow's own cost.

    python -m bench.storm_anchor worker ADDRESS DATABASE_URL TASK_QUEUE
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg_pool import ConnectionPool
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from bench.common import log_file
from bench.storm_anchor_workflow import SleepThenInsert, Wake
from workflows.worker import ACTIVITY_THREADS, worker_tuning

TABLE = "bench_storm_anchor"
TASK_QUEUE = "storm-anchor"


class RowInserter:
    """The anchor's one activity: insert the row numbered by the wake-up, once."""

    def __init__(self, url: str) -> None:
        self.pool = ConnectionPool(url, min_size=1, max_size=ACTIVITY_THREADS, open=True)

    @activity.defn(name="insert_row")
    def insert_row(self, wake: Wake) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                f"INSERT INTO {TABLE} (number, due_at) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (wake.number, datetime.fromtimestamp(wake.at, UTC)),
            )


async def serve(address: str, url: str, task_queue: str) -> None:
    """Run the anchor's worker until SIGTERM."""
    client = await Client.connect(address)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    inserter = RowInserter(url)
    with ThreadPoolExecutor(ACTIVITY_THREADS) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[SleepThenInsert],
            activities=[inserter.insert_row],
            activity_executor=executor,
            **worker_tuning(),
        ):
            await stop.wait()


def machine_cpu_seconds() -> float:
    """CPU time the whole machine has spent working (every process, not idle or waiting).

    The storm's processes (Temporal, PostgreSQL, the workers, the relay) share two
    cores, so what one storm costs is the CPU all of them spend on it together.
    """
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


@dataclass
class StormFigures:
    """Delays after the scheduled moment (sorted), how often each was recorded, the rate,
    and the machine's CPU from the scheduled moment until the storm's work was done."""

    size: int
    delays: list[float]
    recorded: dict[Any, int]
    rate: float
    cpu_seconds: float

    @property
    def cpu_ms_each(self) -> float:
        """Per reminder recorded: all of them, or those in the window if it closed first."""
        return 1000 * self.cpu_seconds / max(1, len(self.delays))

    @property
    def once(self) -> int:
        return sum(1 for n in self.recorded.values() if n == 1)

    @property
    def twice(self) -> int:
        return sum(1 for n in self.recorded.values() if n > 1)

    @property
    def missing(self) -> int:
        return self.size - len(self.recorded)

    def quantile(self, q: float) -> float:
        if not self.delays:
            return float("nan")
        return self.delays[min(len(self.delays) - 1, int(q * len(self.delays)))]


def rate_of(times: list[float]) -> float:
    """Records a second between the first and the last (nan for fewer than two)."""
    span = max(times) - min(times) if len(times) > 1 else 0.0
    return len(times) / span if span > 0 else float("nan")


async def _start_all(address: str, size: int, at: float) -> None:
    client = await Client.connect(address)
    started = asyncio.Semaphore(64)

    async def one(number: int) -> None:
        async with started:
            await client.start_workflow(
                SleepThenInsert.run,
                Wake(at=at, number=number),
                id=f"storm-anchor-{number}",
                task_queue=TASK_QUEUE,
            )

    await asyncio.gather(*(one(n) for n in range(size)))


async def _until_finished(address: str, timeout: float) -> None:
    """Wait for the anchor's workflows to finish, so careerflow's storm has the server alone."""
    client = await Client.connect(address)
    deadline = time.monotonic() + timeout
    query = "WorkflowType = 'SleepThenInsert' AND ExecutionStatus = 'Running'"
    while (await client.count_workflows(query)).count and time.monotonic() < deadline:
        await asyncio.sleep(1.0)


def run_anchor(
    address: str, url: str, size: int, due_in: float, window: float, logs: Path | None
) -> StormFigures:
    """Start the anchor's worker, ``size`` workflows waking ``due_in`` s from now; wait for rows."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute(
            f"CREATE TABLE {TABLE} (number int PRIMARY KEY, due_at timestamptz NOT NULL, "
            "recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
    out = (
        log_file("storm-anchor-worker") if logs is None else (logs / "anchor-worker.log").open("ab")
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "bench.storm_anchor", "worker", address, url, TASK_QUEUE],
        stdout=out,
        stderr=out,
    )
    try:
        at = time.time() + due_in
        asyncio.run(_start_all(address, size, at))
        time.sleep(max(0.0, at - time.time()))
        deadline = time.monotonic() + window  # from the scheduled moment, as careerflow's
        cpu_start = machine_cpu_seconds()
        with psycopg.connect(url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                (count,) = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone() or (0,)
                if count >= size:
                    break
                time.sleep(1.0)
            rows = conn.execute(f"SELECT number, due_at, recorded_at FROM {TABLE}").fetchall()
            conn.execute(f"DROP TABLE {TABLE}")
        if len(rows) >= size:  # its work goes on after the rows
            asyncio.run(_until_finished(address, timeout=600))
        cpu = machine_cpu_seconds() - cpu_start
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    delays = sorted((recorded - due).total_seconds() for _, due, recorded in rows)
    times = [recorded.timestamp() for _, _, recorded in rows]
    recorded = {number: 1 for number, _, _ in rows}
    return StormFigures(size, delays, recorded, rate_of(times), cpu)


if __name__ == "__main__":
    if sys.argv[1:2] != ["worker"] or len(sys.argv) != 5:
        raise SystemExit(__doc__)
    asyncio.run(serve(*sys.argv[2:5]))
