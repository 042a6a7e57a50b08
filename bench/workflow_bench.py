"""Workflow benchmark on a local Temporal dev server (SQLite file, as in embedded mode).

    python -m bench.workflow_bench [--sizes 2000,10000] [--deadlines 200]

1. For each size N: open an N-employee cycle the way the product does (the
   application service opens every case, as ``POST /cycles/{id}/open`` and
   ``careerflow cycle open`` do; the relay then starts every case workflow and the
   cycle's) and time until every case has a running CaseWorkflow; beside it, the
   raw rate of starting N empty workflows on the same server, same concurrency.
   Prints cases/s, raw starts/s and the ratio (goal >= 0.8).
2. Deadline delay: cases whose policy is in seconds; for every reminder, the time
   from its scheduled moment to the event being visible in the log. Prints the
   median and p99 (goal p99 <= 2 s).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio import workflow
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from application.service import CareerFlow
from bench.common import log_file, parser, population
from bench.servers import free_port
from careerflow.embedded_temporal import embedded_temporal
from careerflow.settings import Settings
from careerflow.storage import database_url, drop_schema, ensure_schema, eventsourcing_env
from domain.case import DevelopmentCase
from domain.values import EscalationLadder, Policy
from eventlog.follower import LogFollower, TrackingStore
from workflows.relay import Relay
from workflows.worker import ACTIVITY_THREADS, build_worker

CONCURRENCY = 64


@workflow.defn(sandboxed=False)
class EmptyWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None


async def raw_starts(client: Client, task_queue: str, count: int) -> float:
    """Seconds to start ``count`` empty workflows, CONCURRENCY at a time."""
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with limit:
            await client.start_workflow(
                EmptyWorkflow.run, id=f"raw-{uuid.uuid4()}", task_queue=task_queue
            )

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return time.perf_counter() - start


async def open_cycle(
    client: Client, app: CareerFlow, relay: Relay, task_queue: str, count: int, policy: Policy
) -> tuple[uuid.UUID, float]:
    """Seconds from HR opening the cycle until every case has its workflow."""
    cycle_id = uuid.uuid4()
    now = datetime.now(UTC)
    app.create_cycle(
        cycle_id=cycle_id, name=f"bench {count}", opens_at=now, closes_at=now + timedelta(days=300),
        policy=policy, actor="bench", at=now,
    )  # fmt: skip
    already = len(relay.case_workflows_started)
    start = time.perf_counter()
    await asyncio.to_thread(
        app.open_cycle, cycle_id, population=population(count), actor="bench", at=now
    )
    while len(relay.case_workflows_started) - already < count:
        await asyncio.sleep(0.05)
    return cycle_id, time.perf_counter() - start


def deadline_delays(
    app: CareerFlow, scheduled: dict[uuid.UUID, datetime], expected: int, name: str
) -> list[float]:
    """Follow the log until every case's reminder is seen; delay after its scheduled time.

    Started before the cases open (``scheduled`` fills in meanwhile), so every
    reminder is seen as it is committed."""
    delays: dict[uuid.UUID, float] = {}
    with LogFollower(app, name, tracking=TrackingStore(app, name)) as follower:
        deadline = time.monotonic() + 180
        while len(delays) < expected and time.monotonic() < deadline:
            for delivery in follower.next_batch(500, 0.1):
                event = delivery.event
                if isinstance(event, DevelopmentCase.ReminderSent) and (
                    event.originator_id in scheduled
                ):
                    seen = datetime.now(UTC)
                    delays[event.originator_id] = (
                        seen - scheduled[event.originator_id]
                    ).total_seconds()
    return sorted(delays.values())


async def measure_deadline_delays(
    client: Client, app: CareerFlow, relay: Relay, task_queue: str, count: int
) -> list[float]:
    """Cases opened a tenth of a second apart, so their reminders fall due one by one."""
    seconds = Policy(
        prep_window=timedelta(seconds=8),
        reminder_lead=timedelta(seconds=1),
        meeting_request_window=timedelta(days=100),
        escalation=EscalationLadder(
            manager=timedelta(days=1), skip_level=timedelta(days=1), hr_partner=timedelta(days=1)
        ),
    )
    cycle_id = uuid.uuid4()
    now = datetime.now(UTC)
    app.create_cycle(
        cycle_id=cycle_id, name="deadlines", opens_at=now, closes_at=now + timedelta(days=300),
        policy=seconds, actor="bench", at=now,
    )  # fmt: skip
    scheduled: dict[uuid.UUID, datetime] = {}
    watching = asyncio.create_task(
        asyncio.to_thread(deadline_delays, app, scheduled, count, "bench_delays")
    )
    for person in population(count):
        opened = datetime.now(UTC)
        app.open_cycle(cycle_id, population=[person], actor="bench", at=opened)
        case_id = app.case_for(cycle_id, person.employee_id).id
        scheduled[case_id] = opened + seconds.prep_window - seconds.reminder_lead
        await asyncio.sleep(0.1)
    return await watching


async def main_async(sizes: list[int], deadline_cases: int) -> None:
    settings = Settings()
    url = database_url(settings)
    schema = f"cf_wbench_{uuid.uuid4().hex[:8]}"
    ensure_schema(url, schema)
    app = CareerFlow(env=eventsourcing_env(url, Settings(database_url=url, db_schema=schema)))
    with tempfile.TemporaryDirectory() as tmp:
        server = Settings(
            data_dir=Path(tmp), temporal_port=free_port(), temporal_ui_port=free_port()
        )
        try:
            with embedded_temporal(server) as endpoints:  # its log in a file, not the figures
                client = await Client.connect(
                    endpoints.address, data_converter=pydantic_data_converter
                )
                await _measure(client, app, sizes, deadline_cases, settings.worker_sandbox)
        finally:
            server_log = Path(tmp) / "temporal.log"
            if server_log.exists():
                with log_file("workflow-bench-temporal") as kept:
                    kept.write(server_log.read_bytes())
            app.close()
            drop_schema(url, schema)


async def _measure(
    client: Client, app: CareerFlow, sizes: list[int], deadline_cases: int, sandboxed: bool
) -> None:
    task_queue = "bench"
    stop = asyncio.Event()
    relay = Relay(app, client, task_queue, concurrency=CONCURRENCY)
    quiet = Policy()  # default policy: nothing fires during the measurement
    with ThreadPoolExecutor(ACTIVITY_THREADS) as executor:
        worker = build_worker(client, app, task_queue, executor, sandboxed=sandboxed)
        raw_worker = Worker(client, task_queue="bench-raw", workflows=[EmptyWorkflow])
        async with worker, raw_worker:
            relay_task = asyncio.create_task(relay.run(stop))
            print(f"workflow benchmark, dev server (SQLite, WAL), concurrency {CONCURRENCY}")
            delays = await measure_deadline_delays(client, app, relay, task_queue, deadline_cases)
            for size in sizes:
                _, cases_secs = await open_cycle(client, app, relay, task_queue, size, quiet)
                raw_secs = await raw_starts(client, "bench-raw", size)
                cases_rate, raw_rate = size / cases_secs, size / raw_secs
                print(
                    f"N={size:>6}: cases with running workflow {cases_rate:8.0f}/s   "
                    f"raw empty workflow starts {raw_rate:8.0f}/s   "
                    f"ratio {cases_rate / raw_rate:.2f} (goal >= 0.8)"
                )
            stop.set()
            await relay_task
    p50 = statistics.median(delays)
    p99 = delays[min(len(delays) - 1, round(0.99 * (len(delays) - 1)))]
    print(
        f"deadline → stored event, {len(delays)} reminders: "
        f"median {p50:.3f} s   p99 {p99:.3f} s (goal <= 2 s)"
    )


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--sizes", default="2000,10000")
    arguments.add_argument("--deadlines", type=int, default=200)
    args = arguments.parse_args()
    asyncio.run(main_async([int(s) for s in args.sizes.split(",")], args.deadlines))


if __name__ == "__main__":
    main()
