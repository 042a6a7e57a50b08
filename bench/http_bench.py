"""HTTP benchmark: one command through the API beside the least an endpoint can do.

    python -m bench.http_bench [--requests 3000] [--concurrency 16] [--workers 1,2]

careerflow: ``careerflow api --workers N`` in processes of its own. Each request
proposes a SMART+ER goal on one employee's case — authenticated (a bearer token),
validated, authorised against the roster, one event saved. Concurrent requests go
to different cases, as different people's do.

Anchor: ``bench/anchor_app.py`` under the same uvicorn settings and worker count:
a synchronous FastAPI endpoint that inserts one row of the same size in one
transaction through a psycopg pool.

The load generator (aiohttp, this process) keeps ``--concurrency`` requests in
flight. Each side runs ``--rounds`` times, alternating; the run with the median
throughput is printed per worker count: throughput and latency of both, the
ratio (goal >= 0.5) and careerflow's p99 (goal <= 50 ms).
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg

from bench.common import parser
from bench.domain_bench import RAW_TABLE
from bench.servers import ApiProcess, Served, bench_schema, free_port, load, quantile
from careerflow.settings import Settings
from careerflow.storage import build_application
from domain.roster import Person

OPENS = datetime.now(UTC).replace(microsecond=0)


def roster(employees: int) -> list[Person]:
    managers = max(1, employees // 10)
    people = [
        Person(employee_id="ceo", name="Chief", email="ceo@example.com", department="Exec"),
    ]
    for m in range(managers):
        people.append(
            Person(
                employee_id=f"m{m}", name=f"Manager {m}", email=f"m{m}@example.com",
                manager_id="ceo", department=f"D{m % 5}",
            )
        )  # fmt: skip
    for e in range(employees):
        people.append(
            Person(
                employee_id=f"e{e}", name=f"Employee {e}", email=f"e{e}@example.com",
                manager_id=f"m{e % managers}", department=f"D{(e % managers) % 5}",
            )
        )  # fmt: skip
    return people


def goal(n: int) -> dict[str, object]:
    return {
        "goal_id": f"g{n % 5000}",
        "specific": "Run the quarterly architecture review",
        "measurable": {"metric": "reviews run", "target": 4, "unit": "reviews"},
        "achievable": "Already co-ran one",
        "relevant": "The team's OKR",
        "due_on": (OPENS.date() + timedelta(days=120)).isoformat(),
        "emotional_connection": "I enjoy it",
        "reflect_and_readjust": {"every": "P30D", "how": "at check-ins"},
    }


def open_cases(settings: Settings, employees: int) -> dict[str, str]:
    """A roster and an open cycle: each employee's case id."""
    app = build_application(settings)
    try:
        app.import_roster(roster(employees), source="bench", actor="hr", at=OPENS)
        cycle_id = uuid.uuid4()
        app.create_cycle(
            cycle_id=cycle_id, name="bench", opens_at=OPENS,
            closes_at=OPENS + timedelta(days=300), okr_planning_on=date.today(),
            actor="hr", at=OPENS,
        )  # fmt: skip
        app.open_cycle(cycle_id, population=app.get_roster().population(), actor="hr", at=OPENS)
        cases = {f"e{e}": str(app.case_for(cycle_id, f"e{e}").id) for e in range(employees)}
    finally:
        app.close()
    return cases


def event_size(settings: Settings, case_id: str) -> int:
    with psycopg.connect(str(settings.database_url)) as conn:
        row = conn.execute(
            f'SELECT avg(length(state))::int FROM "{settings.db_schema}".careerflow_events '
            "WHERE originator_id = %s AND topic LIKE %s",
            (case_id, "%GoalProposed"),
        ).fetchone()
    return int(row[0]) if row and row[0] else 600


Figures = tuple[float, float, float, int]
"""Throughput (/s), p50 and p99 latency (s), failures."""


def median_run(runs: list[Figures]) -> Figures:
    """The run with the median throughput (the machine's noise moves both sides alike)."""
    return sorted(runs)[len(runs) // 2]


def careerflow_run(
    settings: Settings, cases: dict[str, str], workers: int, requests: int, concurrency: int
) -> Figures:
    employees = list(cases)
    with ApiProcess(settings, workers=workers, pool=concurrency) as api:
        tokens = {e: api.token(e) for e in employees}

        def propose(n: int) -> tuple[str, str, object, str]:
            employee = employees[n % len(employees)]
            url = api.url(f"/api/v1/cases/{cases[employee]}/goals")
            return ("POST", url, goal(n), tokens[employee])

        load(propose, min(300, requests), concurrency)  # warm-up: caches, connections
        samples, seconds, failures = load(propose, requests, concurrency)
    return len(samples) / seconds, quantile(samples, 0.5), quantile(samples, 0.99), failures


def anchor_run(
    settings: Settings, size: int, workers: int, requests: int, concurrency: int
) -> Figures:
    port = free_port()
    env = {
        **os.environ,
        "ANCHOR_DATABASE_URL": str(settings.database_url),
        "ANCHOR_SCHEMA": settings.db_schema,
        "ANCHOR_ROW_BYTES": str(size),
        "ANCHOR_POOL": str(concurrency),
    }
    command = [
        sys.executable, "-m", "uvicorn", "bench.anchor_app:app", "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with Served(command, env, port) as anchor:

        def insert(n: int) -> tuple[str, str, object, str | None]:
            return ("POST", anchor.url("/rows"), None, None)

        load(insert, min(300, requests), concurrency)
        samples, seconds, failures = load(insert, requests, concurrency)
    return len(samples) / seconds, quantile(samples, 0.5), quantile(samples, 0.99), failures


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--requests", type=int, default=3000)
    arguments.add_argument("--concurrency", type=int, default=16)
    arguments.add_argument("--employees", type=int, default=400)
    arguments.add_argument("--workers", default="1,2")
    arguments.add_argument("--rounds", type=int, default=3)
    args = arguments.parse_args()

    rows = []
    with bench_schema("cf_http") as settings:
        with psycopg.connect(str(settings.database_url), autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{settings.db_schema}"')
            conn.execute(RAW_TABLE)
        cases = open_cases(settings, args.employees)
        size = 0
        for workers in (int(w) for w in args.workers.split(",")):
            shape = (workers, args.requests, args.concurrency)
            our_runs: list[Figures] = []
            anchor_runs: list[Figures] = []
            for _ in range(args.rounds):  # alternated, so a slow spell of the machine hits both
                our_runs.append(careerflow_run(settings, cases, *shape))
                size = size or event_size(settings, next(iter(cases.values())))
                anchor_runs.append(anchor_run(settings, size, *shape))
            rows.append((workers, median_run(our_runs), median_run(anchor_runs), size))

    server = "DATABASE_URL" if Settings().database_url else "embedded PostgreSQL"
    print(f"HTTP, {server}; {args.concurrency} concurrent clients; {args.requests} requests each")
    for workers, ours, anchor, size in rows:
        ratio = ours[0] / anchor[0]
        print(f"--workers {workers}")
        for label, (rate, p50, p99, failed) in (("careerflow command", ours), ("anchor", anchor)):
            print(
                f"  {label:<19} {rate:7.0f}/s   p50 {p50 * 1000:6.1f} ms   "
                f"p99 {p99 * 1000:6.1f} ms   ({failed} failed)"
            )
        print(f"  ratio careerflow/anchor = {ratio:.2f} (goal >= 0.5)   ({size} B rows)")
        print(f"  careerflow p99 = {ours[2] * 1000:.1f} ms (goal <= 50 ms)")


if __name__ == "__main__":
    main()
