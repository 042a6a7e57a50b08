"""Many rows in one statement, their columns sent as binary arrays (``unnest``).

A cycle opens thousands of cases at once, and a read model catching up writes them
a batch at a time. Sent as text, psycopg formats every element of every array in
Python (a regular expression each, to decide on quoting) — most of the catch-up's
time; sent binary (``%b``) the same arrays go about five times faster. SQLAlchemy
binds text parameters only, so the statement goes through the driver's own cursor,
inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import sql
from sqlalchemy import Connection


def insert_unnested(
    conn: Connection,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    types: Mapping[str, str],
    *,
    conflict: str,
) -> None:
    """Insert ``rows`` (all with the same keys) into ``table``; ``types`` gives each
    column's PostgreSQL type; a row whose ``conflict`` column is taken is left as it is."""
    if not rows:
        return
    columns = list(rows[0])
    arrays = {name: [row[name] for row in rows] for name in columns}
    statement = sql.SQL(
        "INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) "
        "ON CONFLICT ({conflict}) DO NOTHING"
    ).format(
        table=sql.Identifier(table),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        arrays=sql.SQL(", ").join(
            sql.SQL("{} :: {}[]").format(sql.Placeholder(name, "b"), sql.SQL(types[name]))
            for name in columns
        ),
        conflict=sql.Identifier(conflict),
    )
    driver = conn.connection.driver_connection
    assert driver is not None, "a connection checked out of the pool has its driver's"
    with driver.cursor() as cursor:
        cursor.execute(statement, arrays)
