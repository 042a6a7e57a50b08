"""The anchor of the HTTP benchmark: the least a FastAPI endpoint writing one row can do.

``POST /rows`` inserts one row (of the size careerflow's event takes) in one
transaction through a psycopg pool, from a synchronous handler as careerflow's
are. Served by uvicorn with the same settings as ``careerflow api``.
ANCHOR_DATABASE_URL, ANCHOR_SCHEMA, ANCHOR_ROW_BYTES and ANCHOR_POOL configure it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from psycopg_pool import ConnectionPool

POOL = ConnectionPool(
    os.environ["ANCHOR_DATABASE_URL"],
    min_size=int(os.environ.get("ANCHOR_POOL", "16")),
    kwargs={"options": f"-c search_path={os.environ['ANCHOR_SCHEMA']}"},
    open=False,
)
PAYLOAD = os.urandom(int(os.environ.get("ANCHOR_ROW_BYTES", "500")))


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    POOL.open()
    yield
    POOL.close()


app = FastAPI(lifespan=lifespan)


@app.post("/rows")
def insert_row() -> dict[str, str]:
    row_id = uuid.uuid4()
    with POOL.connection() as conn, conn.transaction():
        conn.execute(
            "INSERT INTO raw_events (originator_id, originator_version, topic, state) "
            "VALUES (%s, 1, 'anchor', %s)",
            (row_id, PAYLOAD),
        )
    return {"id": str(row_id)}
