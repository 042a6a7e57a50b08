"""Read-side HTTP benchmark: ``/me/tasks`` and HR's case list over a 100,000-case cycle.

    python -m bench.read_bench [--employees 100000] [--runs 300]

A roster of ``--employees`` people (50 reports per manager) is imported and one
cycle opened for everyone with a manager; one manager's 50 reports request their
meetings, so her task list holds her own steps and 50 requests to answer. The read
models catch up from the log, then the API (uvicorn, one process) is timed:

* ``GET /me/tasks`` as that manager (goal: p99 <= 50 ms);
* ``GET /reports/cycles/{id}/cases`` as an HR admin: the first page by next deadline,
  late cases sorted by name, and one department as CSV.

The anchor, in the same run: the same task query as plain SQL on one psycopg
connection (no HTTP, no auth, no names, no JSON), with the ratio. The read models
are analysed after the bulk load, as autovacuum would.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import uvicorn

from api.app import create_app
from api.auth import Role
from api.deps import Services
from application.service import CareerFlow
from bench.common import parser, settle
from careerflow.settings import Settings
from careerflow.storage import build_application, database_url, drop_schema, ensure_schema
from careerflow.wiring import build_services
from domain.commands import RequestMeeting
from domain.roster import Person
from projections.catalog import read_models
from projections.database import engine_for
from projections.runner import ProjectionRunner

OPENS = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
REPORTS_PER_MANAGER = 50
MANAGER = "m00000"


def company(employees: int) -> list[Person]:
    managers = max(1, employees // REPORTS_PER_MANAGER)
    people = [Person(employee_id="ceo", name="Chief", email="ceo@example.com", department="Exec")]
    people += [
        Person(employee_id=f"m{m:05d}", name=f"Manager {m}", email=f"m{m}@example.com",
               manager_id="ceo", department=f"D{m % 20}")
        for m in range(managers)
    ]  # fmt: skip
    people += [
        Person(employee_id=f"e{e:06d}", name=f"Employee {e}", email=f"e{e}@example.com",
               manager_id=f"m{e // REPORTS_PER_MANAGER:05d}",
               department=f"D{(e // REPORTS_PER_MANAGER) % 20}")
        for e in range(employees - managers - 1)
    ]  # fmt: skip
    return people


def timed(runs: int, call: Callable[[], object]) -> list[float]:
    latencies = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    return latencies


REPORT_GOAL_MS = 250


def line(label: str, latencies: list[float], goal_ms: float | None = None) -> str:
    q = statistics.quantiles(latencies, n=100)
    goal = "" if goal_ms is None else f"  (goal <= {goal_ms:.0f} ms)"
    return f"{label:44s} p50 {q[49] * 1000:7.1f} ms   p99 {q[98] * 1000:7.1f} ms{goal}"


@dataclass
class Loaded:
    """A company loaded into a schema of its own, its read models caught up, the API served."""

    app: CareerFlow
    services: Services
    url: str
    schema: str
    cycle_id: uuid.UUID
    base: str


@contextmanager
def loaded_company(employees: int, port: int) -> Iterator[Loaded]:
    """Roster, one cycle for everyone, a manager's 50 meeting requests; read models caught
    up and analysed (as autovacuum does after a load); the API under uvicorn on ``port``."""
    url = database_url(Settings())
    schema = f"cf_read_{uuid.uuid4().hex[:8]}"
    ensure_schema(url, schema)
    settings = Settings(
        database_url=url, db_schema=schema, jwt_secret=os.urandom(24).hex(), api_port=port
    )
    app = build_application(settings)
    try:
        started = time.perf_counter()
        app.import_roster(company(employees), source="bench", actor="hr", at=OPENS)
        cycle_id = uuid.uuid4()
        app.create_cycle(
            cycle_id=cycle_id, name="bench", opens_at=OPENS,
            closes_at=OPENS + timedelta(days=300), actor="hr", at=OPENS,
        )  # fmt: skip
        population = app.get_roster().population()
        app.open_cycle(cycle_id, population=population, actor="hr", at=OPENS, batch_size=1000)
        for employee in (f"e{e:06d}" for e in range(REPORTS_PER_MANAGER)):
            case_id = app.case_for(cycle_id, employee).id
            command = RequestMeeting(proposed_for=OPENS + timedelta(days=60))
            app.execute(case_id, command, actor=employee, at=OPENS + timedelta(days=1))
        print(f"{len(population)} cases opened in {time.perf_counter() - started:.0f} s",
              flush=True)  # fmt: skip
        engine = engine_for(url, schema)
        started = time.perf_counter()
        for model in read_models():
            ProjectionRunner(app, engine, model).catch_up(5000)
        print(f"read models caught up in {time.perf_counter() - started:.0f} s", flush=True)
        settle(url, schema)
        services = build_services(settings, app, url, temporal_address=None)
        server = uvicorn.Server(
            uvicorn.Config(create_app(services), host="127.0.0.1", port=port,
                           log_level="warning")
        )  # fmt: skip
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            yield Loaded(app, services, url, schema, cycle_id, f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    finally:
        app.close()
        drop_schema(url, schema)


def main() -> None:
    args = parser(__doc__, employees=100_000, runs=300, port=18766).parse_args()

    with loaded_company(args.employees, args.port) as loaded:
        services, cycle_id, url, schema = (
            loaded.services, loaded.cycle_id, loaded.url, loaded.schema
        )  # fmt: skip
        manager_token = services.tokens.issue(MANAGER)
        hr_token = services.tokens.issue("hr", frozenset({Role.HR_ADMIN}))
        base = f"{loaded.base}/api/v1"
        as_manager = {"Authorization": f"Bearer {manager_token}"}
        as_hr = {"Authorization": f"Bearer {hr_token}"}
        cases = f"{base}/reports/cycles/{cycle_id}/cases"
        with httpx.Client(timeout=60) as client:

            def get(path: str, headers: dict[str, str]) -> httpx.Response:
                response = client.get(path, headers=headers)
                response.raise_for_status()
                return response

            tasks = get(f"{base}/me/tasks", as_manager).json()
            kinds = {t["task"] for t in tasks["tasks"]}
            print(f"{MANAGER}: {tasks['total']} tasks ({', '.join(sorted(kinds))})")
            total = get(f"{cases}?limit=1", as_hr).headers["X-Total-Count"]
            print(f"case list: {total} cases in the cycle")
            timed(20, lambda: get(f"{base}/me/tasks", as_manager))  # warm
            mine = timed(args.runs, lambda: get(f"{base}/me/tasks", as_manager))
            results = [
                line("GET /me/tasks (manager of 50)", mine, 50),
                line("GET cases?limit=50 (by next deadline)",
                     timed(args.runs // 3, lambda: get(f"{cases}?limit=50", as_hr)),
                     REPORT_GOAL_MS),
                line("GET cases?late_only&sort=employee&limit=50",
                     timed(args.runs // 3,
                           lambda: get(f"{cases}?late_only=true&sort=employee&limit=50", as_hr)),
                     REPORT_GOAL_MS),
                line("GET cases?department=D3&format=csv&limit=1000",
                     timed(args.runs // 10,
                           lambda: get(f"{cases}?department=D3&format=csv&limit=1000", as_hr)),
                     REPORT_GOAL_MS),
            ]  # fmt: skip
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            query = (
                "SELECT * FROM tasks WHERE person_id = %s "
                "ORDER BY due_at NULLS LAST, task_id LIMIT 100"
            )
            raw = timed(args.runs, lambda: conn.execute(query, (MANAGER,)).fetchall())

    for result in results:
        print(result)
    print(line("raw SQL: the same task query (psycopg)", raw))
    p99 = statistics.quantiles(mine, n=100)[98] * 1000
    ratio = statistics.median(raw) / statistics.median(mine)
    verdict = "met" if p99 <= 50 else "NOT met"
    print(f"ratio raw/API (p50) for /me/tasks = {ratio:.2f}")
    print(f"/me/tasks p99 = {p99:.1f} ms (goal <= 50 ms): {verdict}")


if __name__ == "__main__":
    main()
