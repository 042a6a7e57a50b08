"""Every process's operations port: ``/healthz``, ``/readyz`` and ``/metrics``.

The API answers on its own port too; the worker, relay, notifier and projector have
no HTTP of their own, so each serves this small app (Starlette under uvicorn, in a
thread of its own so a busy event loop or a blocked start-up does not make the
process look dead). ``/metrics`` is the process's Prometheus registry followed by
the Temporal SDK's own metrics, which the SDK serves on a local port of its own
(``temporal_metrics_port``): one scrape per process gets both.

Not meant to be exposed beyond the cluster: it carries no personal data, but it is
not behind the API's authentication either (bind it with ``metrics_host``).
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import psycopg
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workflows.client import temporal_problem

log = logging.getLogger(__name__)


@dataclass
class ProcessStatus:
    """What a process tells its probes: its part, its role and what it waits for."""

    process: str
    database_url: str | None = None
    temporal_address: str | None = None
    role: str = "starting"
    """starting → active | standby (followers) | serving (API, worker)."""
    waiting_for: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _database_problem(url: str | None) -> str | None:
    if url is None:
        return "not known yet"
    try:
        with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def ops_app(
    status: ProcessStatus,
    registry: CollectorRegistry = REGISTRY,
    temporal_metrics_port: int = 0,
) -> Starlette:
    def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "process": status.process, "role": status.role})

    def readyz(request: Request) -> JSONResponse:
        database = _database_problem(status.database_url)
        temporal = temporal_problem(status.temporal_address)
        started = status.role != "starting"
        ready = database is None and temporal is None and started
        body = {
            "status": "ready" if ready else "not ready",
            "process": status.process,
            "role": status.role,
            "waiting_for": status.waiting_for,
            "checks": {
                "database": database or "ok",
                "temporal": "not used" if status.temporal_address is None else temporal or "ok",
            },
            **status.details,
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    def metrics(request: Request) -> Response:
        text = generate_latest(registry)
        if temporal_metrics_port:
            text += _temporal_sdk_metrics(temporal_metrics_port)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
        ]
    )


def _temporal_sdk_metrics(port: int) -> bytes:
    """The SDK's exposition (workflow/activity task latencies, polls, slots); empty if none."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            body: bytes = answer.read(8 * 1024 * 1024)
            return body
    except OSError:
        return b""


def serve_ops(
    status: ProcessStatus,
    host: str,
    port: int,
    *,
    registry: CollectorRegistry = REGISTRY,
    temporal_metrics_port: int = 0,
) -> threading.Thread | None:
    """Serve the operations port from a daemon thread (``port`` 0: not at all)."""
    if port == 0:
        return None
    import uvicorn

    config = uvicorn.Config(
        ops_app(status, registry, temporal_metrics_port),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ops-server", daemon=True)
    thread.start()
    return thread
