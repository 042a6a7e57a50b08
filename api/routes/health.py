"""Liveness (the process answers) and readiness (PostgreSQL and Temporal answer)."""

from __future__ import annotations

import asyncio
import socket

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import ServicesDep

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


def _temporal_ok(address: str | None) -> str | None:
    if address is None:
        return None
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=2):
            return None
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


@router.get(
    "/readyz",
    summary="PostgreSQL and Temporal are reachable",
    responses={503: {"description": "a dependency is down"}},
)
async def readyz(services: ServicesDep) -> JSONResponse:
    database, temporal = await asyncio.gather(
        asyncio.to_thread(_database_ok, services),
        asyncio.to_thread(_temporal_ok, services.temporal_address),
    )
    checks = {
        "database": database or "ok",
        "temporal": "not configured" if services.temporal_address is None else temporal or "ok",
    }
    ready = database is None and temporal is None
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": "5"},
    )
