"""Waiting for PostgreSQL and Temporal at start-up instead of dying without them.

A process started while a dependency is down (a restart during an outage, a pod
scheduled before the database) stays up: its operations port says not-ready and
what it waits for, it tries again with backoff (0.5 s doubling to 10 s), and it
starts working as soon as the dependency answers. Written here rather than with a
retry library because each wait must also end at once on SIGTERM and report
itself on ``/readyz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from application.service import CareerFlow
from careerflow.ops_server import ProcessStatus
from careerflow.settings import Settings
from careerflow.storage import build_application, database_url
from workflows.client import connect

log = logging.getLogger(__name__)

LONGEST_PAUSE = 10.0


async def _backoff(stop: asyncio.Event, pause: float) -> float:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), pause)
    return min(pause * 2, LONGEST_PAUSE)


async def application_when_ready(
    settings: Settings, status: ProcessStatus, stop: asyncio.Event
) -> CareerFlow | None:
    """The application once PostgreSQL answers; None if stopped while waiting."""
    pause = 0.5
    while not stop.is_set():
        try:
            status.database_url = await asyncio.to_thread(database_url, settings)
            return await asyncio.to_thread(build_application, settings)
        except Exception as exc:  # whatever the reason, the process waits and says why
            status.waiting_for = "PostgreSQL"
            log.warning("waiting for PostgreSQL (%s); again in %.1f s", exc, pause)
            pause = await _backoff(stop, pause)
    return None


def application_blocking(settings: Settings) -> CareerFlow:
    """The same wait for code that may block (the API's worker processes at start-up)."""
    pause = 0.5
    while True:
        try:
            return build_application(settings)
        except Exception as exc:
            log.warning("waiting for PostgreSQL (%s); again in %.1f s", exc, pause)
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)


def temporal_runtime(settings: Settings) -> Runtime:
    """The SDK's runtime: its Rust core's logs through Python logging (so JSON like the rest),
    and its Prometheus metrics on a local port when ``temporal_metrics_port`` is set."""
    logs = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )
    if settings.temporal_metrics_port:
        address = f"127.0.0.1:{settings.temporal_metrics_port}"
        try:
            return Runtime(
                telemetry=TelemetryConfig(
                    logging=logs,
                    metrics=PrometheusConfig(bind_address=address, durations_as_seconds=True),
                )
            )
        except Exception as exc:  # a taken port costs the SDK's metrics, not the process
            log.warning("Temporal SDK metrics not served on %s: %s", address, exc)
    return Runtime(telemetry=TelemetryConfig(logging=logs))


async def temporal_when_ready(
    settings: Settings, address: str, status: ProcessStatus, stop: asyncio.Event
) -> Client | None:
    """A client once Temporal answers; None if stopped while waiting."""
    runtime = temporal_runtime(settings)
    pause = 0.5
    while not stop.is_set():
        try:
            return await connect(address, settings.temporal_namespace, wait=0, runtime=runtime)
        except Exception as exc:
            status.waiting_for = "Temporal"
            log.warning("waiting for Temporal at %s (%s); again in %.1f s", address, exc, pause)
            pause = await _backoff(stop, pause)
    return None
