"""HTTP benchmark: commands through the API at a fixed concurrency, beside raw PostgreSQL.

    python -m bench.http_bench [--requests 2000] [--concurrency 16] [--employees 200]

The API runs in uvicorn (one process, as `careerflow api` runs it) on a schema of
its own. Each request proposes a SMART+ER goal on one employee's case (one event,
authenticated, validated, authorised against the roster); concurrent requests go
to different cases. Printed: latency p50/p99, throughput, and the raw rate of
single-row INSERT transactions on the same server in the same run, with the ratio.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import psycopg
import uvicorn

from api.app import create_app
from api.auth import Role
from bench.common import parser
from bench.domain_bench import RAW_TABLE, bench_raw_single
from careerflow.settings import Settings
from careerflow.storage import build_application, database_url, drop_schema, ensure_schema
from careerflow.wiring import build_services
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
        "goal_id": f"g{n}",
        "specific": "Run the quarterly architecture review",
        "measurable": {"metric": "reviews run", "target": 4, "unit": "reviews"},
        "achievable": "Already co-ran one",
        "relevant": "The team's OKR",
        "due_on": (OPENS.date() + timedelta(days=120)).isoformat(),
        "emotional_connection": "I enjoy it",
        "reflect_and_readjust": {"every": "P30D", "how": "at check-ins"},
    }


async def drive(
    base: str, tokens: dict[str, str], cases: dict[str, str], requests: int, concurrency: int
) -> tuple[list[float], float, int]:
    employees = list(cases)
    latencies: list[float] = []
    failures = 0
    counter = iter(range(requests))

    async def worker(client: httpx.AsyncClient, lane: int) -> None:
        nonlocal failures
        own = employees[lane::concurrency]
        for n in counter:
            employee = own[n % len(own)]
            start = time.perf_counter()
            response = await client.post(
                f"{base}/api/v1/cases/{cases[employee]}/goals",
                json=goal(n),
                headers={"Authorization": f"Bearer {tokens[employee]}"},
            )
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                failures += 1

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client, lane) for lane in range(concurrency)))
        elapsed = time.perf_counter() - start
    return latencies, elapsed, failures


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--requests", type=int, default=2000)
    arguments.add_argument("--concurrency", type=int, default=16)
    arguments.add_argument("--employees", type=int, default=200)
    arguments.add_argument("--port", type=int, default=18765)
    args = arguments.parse_args()

    base_settings = Settings()
    url = database_url(base_settings)
    schema = f"cf_http_{uuid.uuid4().hex[:8]}"
    ensure_schema(url, schema)
    settings = Settings(
        database_url=url, db_schema=schema, jwt_secret=os.urandom(24).hex(),
        db_pool_size=args.concurrency, api_port=args.port,
    )  # fmt: skip
    app = build_application(settings)
    try:
        app.import_roster(roster(args.employees), source="bench", actor="hr", at=OPENS)
        cycle_id = uuid.uuid4()
        app.create_cycle(
            cycle_id=cycle_id, name="bench", opens_at=OPENS,
            closes_at=OPENS + timedelta(days=300), okr_planning_on=date.today(),
            actor="hr", at=OPENS,
        )  # fmt: skip
        people = app.get_roster().population()
        app.open_cycle(cycle_id, population=people, actor="hr", at=OPENS)
        employees = [f"e{e}" for e in range(args.employees)]
        cases = {e: str(app.case_for(cycle_id, e).id) for e in employees}

        services = build_services(settings, app, url, temporal_address=None)
        tokens = {e: services.tokens.issue(e) for e in employees}
        tokens["hr"] = services.tokens.issue("hr", frozenset({Role.HR_ADMIN}))
        config = uvicorn.Config(
            create_app(services), host="127.0.0.1", port=args.port, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{args.port}"
        asyncio.run(drive(base, tokens, cases, min(200, args.requests), args.concurrency))  # warm
        latencies, elapsed, failures = asyncio.run(
            drive(base, tokens, cases, args.requests, args.concurrency)
        )
        server.should_exit = True
        thread.join(timeout=10)

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.execute(RAW_TABLE)
        size = len(str(goal(0)))
        raw_rows, raw_secs = bench_raw_single(url, schema, args.requests, size)
    finally:
        app.close()
        drop_schema(url, schema)

    throughput = len(latencies) / elapsed
    raw = raw_rows / raw_secs
    quantiles = statistics.quantiles(latencies, n=100)
    server_kind = "DATABASE_URL" if base_settings.database_url else "embedded PostgreSQL"
    print(f"PostgreSQL: {server_kind}; concurrency {args.concurrency}; {len(latencies)} requests")
    p50, p99 = quantiles[49] * 1000, quantiles[98] * 1000
    print(f"HTTP command latency  p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
    print(f"HTTP throughput       {throughput:9.0f} commands/s  ({failures} failed)")
    print(f"raw INSERT, 1 per tx  {raw:9.0f} rows/s (single connection)")
    print(f"ratio HTTP/raw = {throughput / raw:.2f}")


if __name__ == "__main__":
    main()
