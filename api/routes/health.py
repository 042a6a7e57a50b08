"""Liveness (the process answers) and readiness (PostgreSQL answers).

The API never calls Temporal (the relay does), so Temporal out of reach leaves it
ready, reported as ``degraded``: taking every replica out of rotation for it would
turn a Temporal outage into an API outage, though commands can be taken and kept.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import ServicesDep
from eventlog.set_aside import TABLE, UNRESOLVED_SQL
from workflows.client import temporal_problem

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _database_ok(services: ServicesDep) -> str | None:
    try:
        with services.read_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def _set_aside(services: ServicesDep) -> list[dict[str, Any]]:
    """Followers with events set aside: the service runs, but something was skipped."""
    with services.read_engine.connect() as conn:
        if conn.execute(text(f"SELECT to_regclass('{TABLE}')")).scalar() is None:
            return []
        return [dict(row) for row in conn.execute(text(UNRESOLVED_SQL)).mappings()]


@router.get(
    "/readyz",
    summary="PostgreSQL is reachable; degraded when Temporal is not or a follower set events aside",
    responses={503: {"description": "PostgreSQL is out of reach"}},
)
async def readyz(services: ServicesDep) -> JSONResponse:
    database, temporal = await asyncio.gather(
        asyncio.to_thread(_database_ok, services),
        asyncio.to_thread(temporal_problem, services.temporal_address),
    )
    checks = {
        "database": database or "ok",
        "temporal": "not configured" if services.temporal_address is None else temporal or "ok",
    }
    ready = database is None
    set_aside = await asyncio.to_thread(_set_aside, services) if database is None else []
    status = "not ready" if not ready else "degraded" if set_aside or temporal else "ready"
    return JSONResponse(
        jsonable_encoder({"status": status, "checks": checks, "set_aside": set_aside}),
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": "5"},
    )
