"""What the benchmarks share: a synthetic company, a year-long cycle, a schema of their own."""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import psycopg
from psycopg import sql

from application.service import CareerFlow
from careerflow.settings import Settings
from careerflow.storage import database_url, drop_schema, ensure_schema
from domain.values import Participants

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def population(count: int, prefix: str = "e") -> list[Participants]:
    """``count`` employees, eight per manager, 64 per skip-level, 500 per HR partner."""
    return [
        Participants(
            employee_id=f"{prefix}{i:06d}",
            manager_id=f"m{i // 8:05d}",
            skip_level_id=f"s{i // 64:04d}",
            hr_partner_id=f"h{i // 500:03d}",
        )
        for i in range(count)
    ]


def new_cycle(app: CareerFlow, name: str = "bench", start: datetime = T0) -> uuid.UUID:
    """A draft cycle that runs for a year from ``start``."""
    cycle_id = uuid.uuid4()
    app.create_cycle(
        cycle_id=cycle_id,
        name=name,
        opens_at=start,
        closes_at=start + timedelta(days=360),
        actor="hr",
        at=start,
    )
    return cycle_id


@contextmanager
def bench_settings(prefix: str) -> Iterator[Settings]:
    """Settings on a fresh schema of the configured (or embedded) PostgreSQL, dropped after."""
    url = database_url(Settings())
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    ensure_schema(url, schema)
    try:
        yield Settings(database_url=url, db_schema=schema)
    finally:
        drop_schema(url, schema)


def log_file(name: str) -> IO[bytes]:
    """Where a server a benchmark starts writes its output (JSON logs), kept out of the figures.

    ``$CAREERFLOW_BENCH_LOGS`` or the system's temporary folder, one file per name.
    """
    folder = Path(os.environ.get("CAREERFLOW_BENCH_LOGS") or tempfile.gettempdir())
    folder = folder / "careerflow-bench-logs"
    folder.mkdir(parents=True, exist_ok=True)
    return (folder / f"{name}.log").open("ab")


def parser(doc: str | None, **defaults: int) -> argparse.ArgumentParser:
    """The benchmark's command line; each keyword is an ``--option`` with its default."""
    made = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    for name, default in defaults.items():
        made.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    return made


def settle(url: str, schema: str) -> None:
    """VACUUM and ANALYZE every table of ``schema``, as autovacuum does after a bulk load:
    done before the timing, so autovacuum does not do it during the timing (it did, on
    the two cores it shares, and p99s swung from 180 to 600 ms between runs)."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)))  # fmt: skip
