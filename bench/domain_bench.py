"""Event store benchmark: careerflow's commands against raw psycopg, same server, same run.

    python -m bench.domain_bench [--employees 10000] [--commands 1000]

(a)  one command on one case: load, decide, save one event      -> events/s
(b)  opening a cycle of N employees (batched saves)              -> events/s
(c1) raw INSERTs of rows of the same size, one per transaction   -> rows/s
(c2) the same rows, batched like (b)                             -> rows/s

Prints a/c1 (goal >= 0.4) and b/c2 (goal >= 0.5). Uses DATABASE_URL, or the
embedded PostgreSQL when it is unset, in a schema of its own that it drops.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta

import psycopg

from application.personal_data import saving
from application.service import DEFAULT_BATCH_SIZE, CareerFlow
from bench.common import T0, bench_settings, new_cycle, parser, population
from careerflow.settings import Settings
from careerflow.storage import eventsourcing_env
from domain.commands import AcceptMeeting, HoldMeeting, RequestMeeting
from domain.plan_commands import ApprovePlan, DraftPlan, RecordGoalProgress, SubmitPlan
from domain.values import (
    DevelopmentActivity,
    DevelopmentPlan,
    GoalProgress,
    ManagerSupport,
    Measurable,
    Participants,
    ReflectAndReadjust,
    SmartErGoal,
)


def timed(func: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    count = func()
    return count, time.perf_counter() - start


def approved_case(app: CareerFlow) -> uuid.UUID:
    cycle_id = new_cycle(app)
    app.open_cycle(
        cycle_id, population=[Participants(employee_id="e", manager_id="m")], actor="hr", at=T0
    )
    case_id = app.case_for(cycle_id, "e").id
    goal = SmartErGoal(
        goal_id="g1",
        specific="Benchmark the event store properly",
        measurable=Measurable(metric="ratios printed", target=2),
        achievable="yes",
        relevant="yes",
        due_on=date(2026, 6, 1),
        emotional_connection="curiosity",
        reflect_and_readjust=ReflectAndReadjust(every=timedelta(days=30), how="rerun"),
    )
    plan = DevelopmentPlan(
        goals=[goal],
        activities=[DevelopmentActivity(kind="training", description="read the docs")],
        support=ManagerSupport(description="time"),
        alignment=["OKR"],
    )
    app.execute(case_id, RequestMeeting(proposed_for=T0 + timedelta(days=8)), actor="e", at=T0)
    app.execute(case_id, AcceptMeeting(), actor="m", at=T0)
    app.execute(
        case_id, HoldMeeting(held_at=T0 + timedelta(days=8)), actor="m", at=T0 + timedelta(days=8)
    )
    app.execute(case_id, DraftPlan.of(plan), actor="e", at=T0 + timedelta(days=9))
    app.execute(case_id, SubmitPlan(), actor="e", at=T0 + timedelta(days=9))
    app.execute(case_id, ApprovePlan(), actor="m", at=T0 + timedelta(days=10))
    return case_id


def bench_commands(app: CareerFlow, commands: int) -> tuple[int, float, int]:
    """(a): returns events, seconds, and the mean stored size of those events."""
    case_id = approved_case(app)
    start_version = app.get_case(case_id).version
    at = T0 + timedelta(days=20)

    def run() -> int:
        for i in range(commands):
            app.execute(
                case_id,
                RecordGoalProgress.of(GoalProgress(goal_id="g1", percent=i % 101)),
                actor="e",
                at=at,
            )
        return commands

    count, seconds = timed(run)
    with saving({case_id: app.get_case(case_id).data_subject}):  # as a save would
        states = [
            len(app.mapper.to_stored_event(e).state)
            for e in app.events.get(case_id, gt=start_version, limit=100)
        ]
    return count, seconds, sum(states) // len(states)


def bench_open_cycle(app: CareerFlow, employees: int) -> tuple[int, float, int]:
    """(b): returns events, seconds, and the mean stored size of a CaseOpened."""
    cycle_id = new_cycle(app, "big")
    people = population(employees)
    before = app.recorder.max_notification_id() or 0

    def run() -> int:
        app.open_cycle(cycle_id, population=people, actor="hr", at=T0)
        return (app.recorder.max_notification_id() or 0) - before

    count, seconds = timed(run)
    sample = app.events.get(app.case_for(cycle_id, people[0].employee_id).id)
    size = len(app.mapper.to_stored_event(next(iter(sample))).state)
    return count, seconds, size


RAW_TABLE = """
CREATE TABLE raw_events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
)
"""
RAW_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) "
    "VALUES (%s, %s, %s, %s)"
)


def bench_raw_single(url: str, schema: str, rows: int, size: int) -> tuple[int, float]:
    """(c1): one INSERT per transaction."""
    payload = os.urandom(size)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        originator = uuid.uuid4()

        def run() -> int:
            for version in range(1, rows + 1):
                with conn.transaction():
                    conn.execute(
                        RAW_INSERT, (originator, version, "bench:Event", payload), prepare=True
                    )
            return rows

        return timed(run)


def bench_raw_batched(url: str, schema: str, rows: int, size: int, batch: int) -> tuple[int, float]:
    """(c2): the same rows, ``batch`` per transaction."""
    payload = os.urandom(size)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')

        def run() -> int:
            for start in range(0, rows, batch):
                params = [
                    (uuid.uuid4(), 1, "bench:Event", payload)
                    for _ in range(min(batch, rows - start))
                ]
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(RAW_INSERT, params)
            return rows

        return timed(run)


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--employees", type=int, default=10_000)
    arguments.add_argument("--commands", type=int, default=1_000)
    args = arguments.parse_args()

    with bench_settings("cf_bench") as settings:
        url, schema = str(settings.database_url), settings.db_schema
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.execute(RAW_TABLE)
        app = CareerFlow(env=eventsourcing_env(url, settings))
        try:
            a_events, a_secs, a_size = bench_commands(app, args.commands)
            b_events, b_secs, b_size = bench_open_cycle(app, args.employees)
        finally:
            app.close()
        c1_rows, c1_secs = bench_raw_single(url, schema, args.commands, a_size)
        c2_rows, c2_secs = bench_raw_batched(url, schema, b_events, b_size, DEFAULT_BATCH_SIZE)

    a, b = a_events / a_secs, b_events / b_secs
    c1, c2 = c1_rows / c1_secs, c2_rows / c2_secs
    server = "DATABASE_URL" if Settings().database_url else "embedded PostgreSQL"
    print(f"PostgreSQL: {server}")
    rows = [
        ("(a)  one command on one case", a_events, a, f"{a_size} B/event"),
        (f"(b)  open a {args.employees}-employee cycle", b_events, b, f"{b_size} B/event"),
        ("(c1) raw INSERT, 1 per transaction", c1_rows, c1, f"{a_size} B/row"),
        (f"(c2) raw INSERT, {DEFAULT_BATCH_SIZE} per transaction", c2_rows, c2, f"{b_size} B/row"),
    ]
    for label, count, rate, size in rows:
        print(f"{label:<38} {count:>7} rows {rate:>9.0f}/s  ({size})")
    print(f"a/c1 = {a / c1:.2f}  (goal >= 0.4)")
    print(f"b/c2 = {b / c2:.2f}  (goal >= 0.5)")


if __name__ == "__main__":
    main()
