"""One process at a time creates tables in a schema.

Several processes starting together on an empty schema (API workers, replicas, the
projector) each ran ``CREATE TABLE IF NOT EXISTS``; two at once collide in
PostgreSQL's catalog (a unique violation on ``pg_type``) and one of them died at
start-up. A session-level advisory lock, keyed by the schema, makes them take turns;
the second finds the tables there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Engine, text

LOCK_KEY = "SELECT hashtextextended('careerflow schema set-up ' || current_schema(), 0)"


@contextmanager
def schema_setup(engine: Engine) -> Iterator[None]:
    """Hold the schema's set-up lock (through an engine whose connections use the schema)."""
    with engine.connect() as conn:
        conn.execute(text(f"SELECT pg_advisory_lock(({LOCK_KEY}))"))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock(({LOCK_KEY}))"))
            conn.commit()


@contextmanager
def schema_setup_at(url: str, schema: str) -> Iterator[None]:
    """The same lock, for code that is given a URL and a schema name."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", (f'"{schema}"',))
        conn.execute(f"SELECT pg_advisory_lock(({LOCK_KEY}))")
        try:
            yield
        finally:
            conn.execute(f"SELECT pg_advisory_unlock(({LOCK_KEY}))")
