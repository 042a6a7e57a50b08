"""Scale curve: the embedded stack as separate processes, as deployed.

    python -m bench.scale_bench [--sizes 1000,10000,100000]

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

Per-case figures are printed beside each so growth worse than linear shows. The
reminder storm is ``bench.storm_bench``.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.common import parser
from bench.roster_bench import peak_resident_mb, write_company
from bench.scale_stack import PROCESSES, embedded_settings, stack, wait_for_workflows
from careerflow.settings import Settings
from careerflow.storage import build_application, database_url
from eventlog.follower import read_after
from workflows.relay import RELAYED_TOPICS, Relay


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
        settings = embedded_settings(Path(tmp, "data"))
        time.sleep(1.5)  # one more PostgreSQL sample
        peaks["postgresql"] = the_stack.postgres_peak_mb
        return Point(
            enrolled, roster_s, open_s, workflows_s, peaks, database_mb(settings),
            largest_payload(settings),
        )  # fmt: skip


GOAL_MB = 500
"""The projector's peak memory, at any size."""


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--sizes", default="1000,10000,100000")
    args = arguments.parse_args()
    points = [scale_point(int(n)) for n in args.sizes.split(",") if n]
    if points:
        print_curve(points)


def print_curve(points: list[Point]) -> None:
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
    for p in points:
        peak = p.peaks.get("projector", float("nan"))
        print(f"  projector peak at {p.size:,} cases: {peak:.0f} MB (goal <= {GOAL_MB} MB)")


if __name__ == "__main__":
    main()
