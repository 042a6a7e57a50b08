"""Read-model benchmark: catch-up over a backlog, and report latency over many cases.

    python -m bench.projection_bench [--events 1000000] [--batch 1000]

1. A backlog of ``--events`` events (cycles of up to 100,000 employees opened in
   batches) is projected into the case-status read model from position 0, beside
   the raw rate of reading the same notifications from the event store without
   decoding or applying them, in the same run (goal: ratio >= 0.3); and beside the
   rate of reading and decoding them into domain events without applying them,
   which bounds any catch-up in one Python process.
2. The HR reports (funnel, on-time rates, manager table, overdue action items) are
   timed over a cycle of up to 100,000 cases, with the company on the roster (names
   and departments joined) and the read models analysed after the load, as autovacuum
   would: p50 / p99 over 50 runs each (goal: p99 <= 250 ms).

Uses DATABASE_URL, or the embedded PostgreSQL when it is unset, in a schema of its
own that it drops.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from application.service import CareerFlow
from bench.common import T0, bench_settings, new_cycle, parser, population, settle
from careerflow.settings import Settings
from careerflow.storage import eventsourcing_env
from domain.roster import Person
from domain.values import Participants
from eventlog.follower import read_after
from projections import report_queries
from projections.case_status import CaseStatus
from projections.catalog import read_models
from projections.database import engine_for
from projections.runner import ProjectionRunner

CYCLE_SIZE = 100_000


def backlog(app: CareerFlow, events: int) -> list[uuid.UUID]:
    """Open cycles until the log holds ``events`` events; return the cycle ids."""
    cycles = []
    while (app.recorder.max_notification_id() or 0) < events:
        left = events - (app.recorder.max_notification_id() or 0)
        size = min(CYCLE_SIZE, left)
        cycle_id = new_cycle(app)
        people = population(size)
        app.open_cycle(cycle_id, population=people, actor="hr", at=T0, batch_size=1000)
        cycles.append(cycle_id)
        print(f"  backlog: {app.recorder.max_notification_id()} events", flush=True)
    return cycles


def roster_of(cases: list[Participants]) -> list[Person]:
    """Everyone on the cases, on the roster with the same ties (so the import moves no
    case): a department per skip-level, names for all."""
    people: dict[str, Person] = {}

    def add(employee_id: str, manager_id: str | None, department: str, hr: str | None) -> None:
        if employee_id not in people:
            people[employee_id] = Person(
                employee_id=employee_id, name=f"Person {employee_id}", department=department,
                email=f"{employee_id}@bench.invalid", manager_id=manager_id, hr_partner_id=hr,
            )  # fmt: skip

    for case in cases:
        assert case.skip_level_id is not None
        department = f"D{case.skip_level_id}"
        add(case.employee_id, case.manager_id, department, case.hr_partner_id)
        add(case.manager_id, case.skip_level_id, department, case.hr_partner_id)
        add(case.skip_level_id, None, department, case.hr_partner_id)
        if case.hr_partner_id is not None:
            add(case.hr_partner_id, None, "HR", None)
    return list(people.values())


def decoded_read(app: CareerFlow, batch: int, topics: tuple[str, ...]) -> tuple[int, float]:
    """The case events read and made into domain events, applied nowhere."""
    start, count, position = time.perf_counter(), 0, 0
    while deliveries := read_after(app, position, batch, topics):
        count += len(deliveries)
        position = deliveries[-1].position
    return count, time.perf_counter() - start


def raw_read(app: CareerFlow, batch: int) -> tuple[int, float]:
    start, count, position = time.perf_counter(), 0, 0
    while True:
        notes = app.recorder.select_notifications(start=position + 1, limit=batch)
        if not notes:
            return count, time.perf_counter() - start
        count += len(notes)
        position = notes[-1].id


def latency(run: Callable[[], Any], times: int = 50) -> tuple[float, float]:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    q = statistics.quantiles(samples, n=100)
    return q[49] * 1000, q[98] * 1000


def main() -> None:
    args = _arguments()
    with bench_settings("cf_proj") as settings:
        run(args, settings)


def _arguments() -> argparse.Namespace:
    arguments = parser(__doc__)
    arguments.add_argument("--events", type=int, default=1_000_000)
    arguments.add_argument("--batch", type=int, default=1000)
    return arguments.parse_args()


def run(args: argparse.Namespace, settings: Settings) -> None:
    url, schema = str(settings.database_url), settings.db_schema
    app = CareerFlow(env=eventsourcing_env(url, settings) | {"AGGREGATE_CACHE_MAXSIZE": "10"})
    engine = engine_for(url, schema)
    try:
        print(f"building a backlog of {args.events} events ...", flush=True)
        cycles = backlog(app, args.events)
        head = app.recorder.max_notification_id() or 0
        raw_count, raw_secs = raw_read(app, args.batch)
        decoded_count, decoded_secs = decoded_read(app, args.batch, CaseStatus.topics())
        runner = ProjectionRunner(app, engine, CaseStatus())
        start = time.perf_counter()
        runner.catch_up(args.batch)
        projected_secs = time.perf_counter() - start
        company = roster_of(population(min(CYCLE_SIZE, args.events)))
        moved = app.import_roster(company, source="bench", actor="hr", at=T0)
        assert not moved.cases_moved, "the roster's ties are the cases' own: nothing moves"
        for model in read_models()[1:]:  # the others, so the reports have their views
            ProjectionRunner(app, engine, model).catch_up(args.batch)
        settle(url, schema)
        # What loading left in this process stays out of the collector while the reports
        # are timed, as the API freezes its start-up objects: else a full collection over
        # the loader's millions of objects lands in some report's time.
        gc.collect()
        gc.freeze()

        cycle = cycles[0]
        now = T0 + timedelta(days=30)
        timings = {}
        with engine.connect() as conn:
            timings["funnel"] = latency(lambda: report_queries.funnel(conn, cycle, None))
            timings["on-time rates"] = latency(lambda: report_queries.on_time(conn, cycle, None))
            timings["manager table"] = latency(lambda: report_queries.managers(conn, cycle, None))
            timings["overdue action items"] = latency(
                lambda: report_queries.overdue_action_items(conn, now, None, cycle_id=cycle)
            )
            scope = {f"e{i:06d}" for i in range(0, CYCLE_SIZE, 10)}
            timings["funnel, 10k-employee scope"] = latency(
                lambda: report_queries.funnel(conn, cycle, scope), times=20
            )
    finally:
        app.close()
        engine.dispose()

    projected = head / projected_secs
    raw = raw_count / raw_secs
    server = "DATABASE_URL" if Settings().database_url else "embedded PostgreSQL"
    print(f"PostgreSQL: {server}; backlog {head} events; batches of {args.batch}")
    print(f"catch-up (case_status)   {projected:9.0f} events/s  ({projected_secs:.1f} s)")
    print(f"raw notification read    {raw:9.0f} events/s  ({raw_secs:.1f} s)")
    print(f"ratio = {projected / raw:.2f}  (goal >= 0.3)")
    decoded = decoded_count / decoded_secs
    print(f"read and decoded         {decoded:9.0f} events/s  ({decoded_secs:.1f} s; the case "
          f"events, applied nowhere): catch-up / decoded = {projected / decoded:.2f}")  # fmt: skip
    print(f"report latency over a cycle of {min(CYCLE_SIZE, args.events):,} cases "
          f"(roster of {len(company):,} people joined):")  # fmt: skip
    for name, (p50, p99) in timings.items():
        print(f"  {name:<28} p50 {p50:8.1f} ms   p99 {p99:8.1f} ms  (goal <= 250 ms)")


if __name__ == "__main__":
    main()
