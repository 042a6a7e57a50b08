"""Reminder storm: N reminders due at the same moment, beside a raw anchor on the same servers.

    python -m bench.storm_bench [--sizes 1000,10000] [--workers 1,2] [--due-in S]
                                [--window S] [--setting NAME=VALUE ...] [--logs DIR]

For each size and number of worker processes, each storm on a fresh embedded stack
of its own (its own PostgreSQL and Temporal dev server, ``careerflow worker`` and
``relay`` each a process of their own):

1. the raw anchor (``bench.storm_anchor``): N workflows sleep until the same
   instant, then each runs one activity that inserts one row;
2. careerflow: a cycle of N employees whose policy puts every preparation reminder
   at the same instant. Each ``ReminderSent`` row is timed as it is inserted (by a
   trigger, as the anchor's rows time themselves), and each case must have exactly one.

Each storm is counted until every reminder is in or ``--window`` seconds after the
scheduled moment (900 by default; a storm of 100,000 on the dev server outlasts it).
Printed for both: the rate they were recorded at, the delay from the scheduled
moment to the record (p50, p99), and the CPU the whole machine spent per reminder
from the scheduled moment until the storm's work was done (the anchor's workflows
go on working after their rows are in); then careerflow's rate over the anchor's
(goal >= 0.8) and over its own rate at the first size (goal >= 1.0: no collapse as
N grows). ``--logs`` keeps every process's output, the dev server's included.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
from psycopg import sql

from application.service import CareerFlow
from bench.common import parser
from bench.roster_bench import write_company
from bench.scale_stack import Stack, embedded_settings, events_after, stack
from bench.storm_anchor import StormFigures, machine_cpu_seconds, rate_of, run_anchor
from careerflow.settings import Settings
from careerflow.storage import build_application, database_url
from domain import case_events as ev
from domain.case import DevelopmentCase
from eventlog.topics import topics_of

SEEN_TABLE = "bench_storm_reminders"
RecordedAt = Callable[[], list[tuple[UUID, datetime]]]
"""Each reminder's case and the moment its row was inserted, so far."""
LEAD = 60.0
"""Seconds between a reminder and the preparation deadline it is about."""


def due_in_for(size: int) -> float:
    """Seconds from the start to the storm: every workflow must be running by then (the
    dev server started 100,000 of careerflow's in about 10 minutes, 2026-12-06)."""
    return 60.0 + 0.014 * size


@dataclass
class StormRun:
    size: int
    workers: int
    ours: StormFigures
    anchor: StormFigures


def storm_run(
    size: int,
    workers: int,
    due_in: float,
    window: float,
    logs: Path | None,
    settings_env: Mapping[str, str] | None = None,
) -> StormRun:
    """The anchor's storm, then careerflow's, each on a fresh stack of its own.

    Apart, because a storm that outlasts its window leaves workflows running that
    would take the server from the next one; the anchor's stack runs careerflow's
    relay and workers too (idle), so both storms share the machine with the same.
    """
    processes = ("relay", *(f"worker#{n}" if n > 1 else "worker" for n in range(1, workers + 1)))
    with (
        tempfile.TemporaryDirectory() as tmp,
        stack(Path(tmp, "data"), _under(logs, "anchor")) as (the_stack, _),
    ):
        the_stack.start(*processes)
        settings = embedded_settings(Path(tmp, "data"))
        address = the_stack.env["CAREERFLOW_TEMPORAL_ADDRESS"]
        anchor = run_anchor(address, database_url(settings), size, due_in, window, logs)
    with (
        tempfile.TemporaryDirectory() as tmp,
        stack(Path(tmp, "data"), _under(logs, "careerflow")) as (the_stack, _),
    ):
        the_stack.env.update(settings_env or {})
        the_stack.start(*processes)
        roster = Path(tmp, "roster.csv")
        write_company(roster, size + 1)
        the_stack.cli("roster", "import", str(roster), "--yes")
        settings = embedded_settings(Path(tmp, "data"))
        ours = careerflow_storm(the_stack, settings, Path(tmp), due_in, window)
    return StormRun(size, workers, ours, anchor)


def _under(logs: Path | None, name: str) -> Path | None:
    return None if logs is None else logs / name


def careerflow_storm(
    the_stack: Stack, settings: Settings, tmp: Path, due_in: float, window: float
) -> StormFigures:
    """Open a cycle whose every preparation reminder falls ``due_in`` s after the open."""
    policy = {
        "prep_window": f"PT{int(due_in + LEAD)}S",
        "reminder_lead": f"PT{int(LEAD)}S",
        "meeting_request_window": "P100D",
        "escalation": {"manager": "P1D", "skip_level": "P1D", "hr_partner": "P1D"},
    }
    policy_file = tmp / "policy.json"
    policy_file.write_text(json.dumps(policy))
    now = datetime.now(UTC)
    cycle_id, _ = the_stack.cli(
        "cycle", "create", "--name", "storm", "--opens", now.isoformat(),
        "--closes", (now + timedelta(days=300)).isoformat(), "--policy", str(policy_file),
    )  # fmt: skip
    app = build_application(settings)
    try:
        table: str = getattr(app.recorder, "events_table_name")  # noqa: B009 (PostgreSQL's)
        with reminders_recorded(database_url(settings), settings.db_schema, table) as recorded_at:
            the_stack.cli("cycle", "open", cycle_id.strip())
            events, _ = events_after(app)
            opened = {e.originator_id: e.timestamp for e in events if isinstance(e, ev.CaseOpened)}
            return _watch_reminders(app, recorded_at, opened, due_in, window)
    finally:
        app.close()


@contextlib.contextmanager
def reminders_recorded(url: str, schema: str, events_table: str) -> Iterator[RecordedAt]:
    """While inside: each ``ReminderSent`` row written, with the moment it was inserted.

    Kept by a trigger in the database, as the anchor's rows keep theirs, so watching
    the storm costs its processes no CPU (a follower decoding the log live took a
    tenth of the machine from them). Yields a function reading what was kept.
    """
    names = {
        "schema": sql.Identifier(schema),
        "events": sql.Identifier(events_table),
        "seen": sql.Identifier(SEEN_TABLE),
        "topic": sql.Literal(topics_of([DevelopmentCase.ReminderSent])[0]),
    }
    setup = [
        "CREATE TABLE {schema}.{seen} (originator_id uuid NOT NULL, "
        "recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())",
        "CREATE FUNCTION {schema}.{seen}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO {schema}.{seen} (originator_id) VALUES (NEW.originator_id); "
        "RETURN NULL; END $$",
        "CREATE TRIGGER {seen} AFTER INSERT ON {schema}.{events} FOR EACH ROW "
        "WHEN (NEW.topic = {topic}) EXECUTE FUNCTION {schema}.{seen}()",
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in setup:
            conn.execute(sql.SQL(statement).format(**names))

        def read() -> list[tuple[UUID, datetime]]:
            query = sql.SQL("SELECT originator_id, recorded_at FROM {schema}.{seen}")
            return conn.execute(query.format(**names)).fetchall()

        try:
            yield read
        finally:
            conn.execute(sql.SQL("DROP TRIGGER {seen} ON {schema}.{events}").format(**names))
            conn.execute(sql.SQL("DROP FUNCTION {schema}.{seen}()").format(**names))
            conn.execute(sql.SQL("DROP TABLE {schema}.{seen}").format(**names))


def _watch_reminders(
    app: CareerFlow,
    recorded_at: RecordedAt,
    opened: dict[UUID, datetime],
    due_in: float,
    window: float,
) -> StormFigures:
    """Wait until every case has its reminder (or ``window`` s have passed), looking each second."""
    scheduled = min(opened.values()) + timedelta(seconds=due_in)
    time.sleep(max(0.0, scheduled.timestamp() - time.time()))
    cpu_start = machine_cpu_seconds()
    deadline = time.monotonic() + window
    rows = recorded_at()
    while len({case for case, _ in rows}) < len(opened) and time.monotonic() < deadline:
        time.sleep(1.0)
        rows = recorded_at()
    cpu = machine_cpu_seconds() - cpu_start
    delays = sorted(
        (at - opened[case] - timedelta(seconds=due_in)).total_seconds() for case, at in rows
    )
    times = [at.timestamp() for _, at in rows]
    time.sleep(10)  # a reminder recorded twice would be in the log by now
    recorded = Counter(
        (str(e.originator_id), e.deadline)
        for e in events_after(app)[0]
        if isinstance(e, DevelopmentCase.ReminderSent)
    )
    return StormFigures(len(opened), delays, dict(recorded), rate_of(times), cpu)


def describe(figures: StormFigures, who: str) -> str:
    return (
        f"  {who}: {len(figures.delays):,} of {figures.size:,} in the window, "
        f"{figures.rate:.0f}/s; delay p50 {figures.quantile(0.5):.1f} s, "
        f"p99 {figures.quantile(0.99):.1f} s, max {figures.quantile(1.0):.1f} s; "
        f"the machine's CPU {figures.cpu_ms_each:.1f} ms each"
    )


def report(run: StormRun, base: StormRun | None) -> None:
    ours = run.ours
    plural = "es" if run.workers > 1 else ""
    print(f"reminder storm: {run.size:,} due together, {run.workers} worker process{plural}")
    print(
        f"  careerflow recorded {len(ours.delays):,} in the window; 10 s later, exactly once "
        f"{ours.once:,}, more than once {ours.twice}, missing {ours.missing} "
        "(goal: every one exactly once)"
    )
    print(describe(ours, "careerflow"))
    print(describe(run.anchor, "raw anchor"))
    print(f"  rate / anchor's: {ours.rate / run.anchor.rate:.2f} (goal >= 0.8)")
    print(  # what explains the ratio of rates: both storms keep every core busy
        f"  CPU each / anchor's: {ours.cpu_ms_each / run.anchor.cpu_ms_each:.2f} "
        "(no goal: the whole machine's work per reminder, the anchor's until its workflows end)"
    )
    if base is not None and base is not run:
        print(f"  rate / rate at {base.size:,}: {ours.rate / base.ours.rate:.2f} (goal >= 1.0)")


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--sizes", default="1000,10000")
    arguments.add_argument("--workers", default="1,2", help="worker processes, one storm each")
    arguments.add_argument("--due-in", type=float, help="seconds to the storm (default by size)")
    arguments.add_argument(
        "--window", type=float, default=900.0, help="seconds from the storm to stop counting"
    )
    arguments.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for careerflow's processes, e.g. CAREERFLOW_WORKER_SANDBOX=true",
    )
    arguments.add_argument("--logs", type=Path, help="keep each process's output in this folder")
    args = arguments.parse_args()
    if bad := [setting for setting in args.setting if "=" not in setting]:
        arguments.error(f"--setting {bad[0]!r}: give it as NAME=VALUE")
    settings_env = dict(setting.split("=", 1) for setting in args.setting)
    for workers in (int(w) for w in args.workers.split(",")):
        base: StormRun | None = None
        for size in (int(n) for n in args.sizes.split(",")):
            logs = args.logs / f"{size}-{workers}" if args.logs else None
            due_in = args.due_in or due_in_for(size)
            run = storm_run(size, workers, due_in, args.window, logs, settings_env)
            base = base or run
            report(run, base)


if __name__ == "__main__":
    main()
