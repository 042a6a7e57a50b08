"""Reminder storm: N reminders due at the same moment, beside a raw anchor on the same servers.

    python -m bench.storm_bench [--sizes 1000,10000] [--workers 1,2] [--due-in S] [--logs DIR]

For each size and number of worker processes, on a fresh embedded stack (its own
PostgreSQL and Temporal dev server, ``careerflow worker`` and ``relay`` each a
process of their own):

1. the raw anchor (``bench.storm_anchor``): N workflows sleep until the same
   instant, then each runs one activity that inserts one row;
2. careerflow: a cycle of N employees whose policy puts every preparation reminder
   at the same instant. Every ``ReminderSent`` is watched for in the log: each
   case must have exactly one.

Printed for both: the rate they were recorded at, and the delay from the scheduled
moment to the record (p50, p99); then careerflow's rate over the anchor's (goal
>= 0.8) and over its own rate at the first size (goal >= 1.0: no collapse as N
grows). ``--logs`` keeps every process's output, the dev server's included.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from application.service import CareerFlow
from bench.common import parser
from bench.roster_bench import write_company
from bench.scale_stack import Stack, embedded_settings, events_after, stack
from bench.storm_anchor import StormFigures, rate_of, run_anchor
from careerflow.settings import Settings
from careerflow.storage import build_application, database_url
from domain import case_events as ev
from domain.case import DevelopmentCase
from eventlog.follower import LogFollower, TrackingStore

LEAD = 60.0
"""Seconds between a reminder and the preparation deadline it is about."""


def due_in_for(size: int) -> float:
    """Seconds from the start to the storm: every workflow must be running by then."""
    return 60.0 + 0.02 * size


@dataclass
class StormRun:
    size: int
    workers: int
    ours: StormFigures
    anchor: StormFigures


def storm_run(size: int, workers: int, due_in: float, logs: Path | None) -> StormRun:
    """The anchor's storm, then careerflow's, on one fresh stack."""
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp, "data"), logs) as (the_stack, _):
        the_stack.start(
            "relay", *(f"worker#{n}" if n > 1 else "worker" for n in range(1, workers + 1))
        )
        roster = Path(tmp, "roster.csv")
        write_company(roster, size + 1)
        the_stack.cli("roster", "import", str(roster), "--yes")
        settings = embedded_settings(Path(tmp, "data"))
        address = the_stack.env["CAREERFLOW_TEMPORAL_ADDRESS"]
        anchor = run_anchor(address, database_url(settings), size, due_in, logs)
        ours = careerflow_storm(the_stack, settings, Path(tmp), due_in)
    return StormRun(size, workers, ours, anchor)


def careerflow_storm(
    the_stack: Stack, settings: Settings, tmp: Path, due_in: float
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
        the_stack.cli("cycle", "open", cycle_id.strip())
        events, _ = events_after(app)
        opened = {e.originator_id: e.timestamp for e in events if isinstance(e, ev.CaseOpened)}
        return _watch_reminders(app, opened, due_in)
    finally:
        app.close()


def _watch_reminders(app: CareerFlow, opened: dict[UUID, datetime], due_in: float) -> StormFigures:
    """Follow the log until every case has its reminder (or the window closes)."""
    delays: list[float] = []
    seen_at: list[float] = []
    recorded: Counter[tuple[str, str]] = Counter()
    tracking = TrackingStore(app, "storm")
    with LogFollower(app, "storm", tracking=tracking) as follower:
        deadline = time.monotonic() + due_in + LEAD + 900
        while len(recorded) < len(opened) and time.monotonic() < deadline:
            batch = follower.next_batch(1000, 0.2)
            if batch:
                tracking.record(batch[-1].position)
            for delivery in batch:
                event = delivery.event
                if isinstance(event, DevelopmentCase.ReminderSent):
                    seen = datetime.now(UTC)
                    scheduled = opened[event.originator_id] + timedelta(seconds=due_in)
                    delays.append((seen - scheduled).total_seconds())
                    seen_at.append(seen.timestamp())
                    recorded[(str(event.originator_id), event.deadline)] += 1
    time.sleep(10)  # a reminder recorded twice would be in the log by now
    recorded = Counter(
        (str(e.originator_id), e.deadline)
        for e in events_after(app)[0]
        if isinstance(e, DevelopmentCase.ReminderSent)
    )
    return StormFigures(len(opened), sorted(delays), dict(recorded), rate_of(seen_at))


def describe(figures: StormFigures, who: str) -> str:
    return (
        f"  {who}: {figures.rate:.0f}/s; delay p50 {figures.quantile(0.5):.1f} s, "
        f"p99 {figures.quantile(0.99):.1f} s, max {figures.quantile(1.0):.1f} s"
    )


def report(run: StormRun, base: StormRun | None) -> None:
    ours = run.ours
    plural = "es" if run.workers > 1 else ""
    print(f"reminder storm: {run.size:,} due together, {run.workers} worker process{plural}")
    print(
        f"  careerflow recorded {len(ours.delays):,}: exactly once {ours.once:,}, "
        f"more than once {ours.twice}, missing {ours.missing} (goal: every one exactly once)"
    )
    print(describe(ours, "careerflow"))
    print(describe(run.anchor, "raw anchor"))
    print(f"  rate / anchor's: {ours.rate / run.anchor.rate:.2f} (goal >= 0.8)")
    if base is not None and base is not run:
        print(f"  rate / rate at {base.size:,}: {ours.rate / base.ours.rate:.2f} (goal >= 1.0)")


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--sizes", default="1000,10000")
    arguments.add_argument("--workers", default="1,2", help="worker processes, one storm each")
    arguments.add_argument("--due-in", type=float, help="seconds to the storm (default by size)")
    arguments.add_argument("--logs", type=Path, help="keep each process's output in this folder")
    args = arguments.parse_args()
    for workers in (int(w) for w in args.workers.split(",")):
        base: StormRun | None = None
        for size in (int(n) for n in args.sizes.split(",")):
            logs = args.logs / f"{size}-{workers}" if args.logs else None
            run = storm_run(size, workers, args.due_in or due_in_for(size), logs)
            base = base or run
            report(run, base)


if __name__ == "__main__":
    main()
