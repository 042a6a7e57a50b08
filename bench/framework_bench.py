"""Career framework benchmark: importing a large framework, and the gap reports at scale.

    python -m bench.framework_bench [--tracks 20] [--levels 8] [--competencies 40]
                                    [--cases 100000] [--runs 200]

1. **Import.** A framework of ``tracks x levels x competencies`` expectations as CSV is
   read, validated as a whole and recorded as a version (``read_framework`` then
   ``CareerFlow.import_framework``, on PostgreSQL), end to end (goal: <= 2 s). Anchor,
   same run: the same cells inserted as rows by psycopg's ``executemany``.
2. **Reports.** ``--cases`` cases in one cycle, each with a target and a gap of up to
   eight of the competencies, 20 departments: the read models' rows are written
   directly (``generate_series``), analysed, and then the skills-gap heatmap and the
   readiness report are timed as the API runs them (the report functions on the
   read engine; goal: p99 <= 250 ms each). Anchor, same run: ``count(*)`` of the
   cycle's cases on one psycopg connection.
"""

from __future__ import annotations

import csv
import io
import statistics
import time
import uuid
from collections.abc import Callable

import psycopg

from api.framework_files import read_framework
from bench.common import T0, bench_settings, parser
from careerflow.storage import build_application
from projections import career_reports
from projections.career_growth import CareerGrowth
from projections.case_status import CaseStatus
from projections.database import engine_for
from projections.roster_people import RosterPeople
from projections.runner import install


def framework_csv(tracks: int, levels: int, competencies: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("track", "level", "competency", "expectation"))
    for t in range(tracks):
        for lv in range(levels):
            for c in range(competencies):
                expectation = (
                    f"At level {lv + 1}, competency {c + 1} is shown by work of scope {lv}"
                )
                writer.writerow((f"Track {t}", f"L{lv + 1}", f"Competency {c}", expectation))
    return out.getvalue()


def p99(runs: int, call: Callable[[], object]) -> float:
    latencies = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    return statistics.quantiles(latencies, n=100)[98]


def bench_import(tracks: int, levels: int, competencies: int) -> None:
    text = framework_csv(tracks, levels, competencies)
    cells = tracks * levels * competencies
    with bench_settings("cf_framework") as settings:
        app = build_application(settings)
        try:
            start = time.perf_counter()
            framework = read_framework(text, "text/csv")
            result = app.import_framework(framework, source="bench", actor="hr", at=T0)
            ours = time.perf_counter() - start
            assert result.version == 1
            assert len(app.get_framework_book().current.cells()) == cells
        finally:
            app.close()
        rows = list(csv.reader(io.StringIO(text)))[1:]
        with psycopg.connect(settings.database_url or "", autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{settings.db_schema}"')
            conn.execute("CREATE TABLE raw_cells (track text, level text, c text, e text)")
            start = time.perf_counter()
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO raw_cells VALUES (%s, %s, %s, %s)", rows)
            raw = time.perf_counter() - start
    print(f"framework import, {tracks} tracks x {levels} levels x {competencies} competencies "
          f"({cells:,} expectations): {ours:.2f} s (goal <= 2.0 s)")  # fmt: skip
    print(f"  raw insert of the same rows: {raw:.2f} s; import / raw = {ours / raw:.2f}")


def bench_reports(cases: int, competencies: int, runs: int) -> None:
    with bench_settings("cf_framework_reports") as settings:
        url = settings.database_url or ""
        engine = engine_for(url, settings.db_schema)
        for model in (CaseStatus(), RosterPeople(), CareerGrowth()):
            install(engine, model)
        cycle_id = uuid.uuid4()
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{settings.db_schema}"')
            fill(conn, cycle_id, cases, competencies)
            conn.execute("ANALYZE")
            print(f"{cases:,} cases with targets and gaps written in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip

            def anchor() -> object:
                query = "SELECT count(*) FROM case_status WHERE cycle_id = %s"
                return conn.execute(query, (cycle_id,)).fetchone()

            raw = p99(runs, anchor)
        with engine.connect() as read:
            heat = career_reports.skills_gaps(read, cycle_id, None)
            assert sum(r["people"] for r in heat) > 0
            for name, report in (
                ("skills-gap heatmap", career_reports.skills_gaps),
                ("readiness", career_reports.readiness),
            ):
                ours = p99(runs, lambda report=report: report(read, cycle_id, None))  # type: ignore[misc]
                print(f"{name} at {cases:,} cases: p99 {ours * 1000:.0f} ms (goal <= 250 ms); "
                      f"raw count(*) p99 {raw * 1000:.1f} ms, ratio {ours / raw:.0f}")  # fmt: skip
        engine.dispose()


def fill(conn: psycopg.Connection[tuple[object, ...]], cycle_id: uuid.UUID, cases: int,
         competencies: int) -> None:  # fmt: skip
    """Cases, roster rows and career positions, as the projector would leave them."""
    conn.execute(
        """
        INSERT INTO roster_people (employee_id, name, email, manager_id, department)
        SELECT 'e' || i, 'Employee ' || i, 'e' || i || '@example.com', 'm' || (i / 8),
               'Department ' || (i %% 20)
        FROM generate_series(1, %(n)s) AS i
        """,
        {"n": cases},
    )
    conn.execute(
        """
        INSERT INTO case_status (case_id, cycle_id, employee_id, manager_id, phase, opened_at,
                                 check_ins_held, check_ins_missed, position)
        SELECT md5(%(cycle)s || i)::uuid, %(cycle)s::uuid, 'e' || i, 'm' || (i / 8),
               'preparing', now(), 0, 0, i
        FROM generate_series(1, %(n)s) AS i
        """,
        {"n": cases, "cycle": str(cycle_id)},
    )
    conn.execute(
        """
        INSERT INTO career_positions (case_id, framework_version, target_track, target_level,
                                      gaps, ready)
        SELECT md5(%(cycle)s || i)::uuid, 1, 'Track ' || (i %% 20), 'L' || (1 + i %% 8),
               ARRAY(SELECT 'Competency ' || ((i * 7 + k * 13) %% %(c)s)
                     FROM generate_series(1, i %% 9) AS k),
               i %% 9 = 0
        FROM generate_series(1, %(n)s) AS i
        """,
        {"n": cases, "cycle": str(cycle_id), "c": competencies},
    )


def main() -> None:
    args = parser(
        __doc__, tracks=20, levels=8, competencies=40, cases=100_000, runs=200
    ).parse_args()
    bench_import(args.tracks, args.levels, args.competencies)
    bench_reports(args.cases, args.competencies, args.runs)


if __name__ == "__main__":
    main()
