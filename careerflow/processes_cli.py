"""The commands that run careerflow's long-running processes: worker, relay, notifier,
projector, api, and the embedded all-in-one ``dev`` (registered on the CLI by ``cli.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import typer
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from rich.console import Console

from careerflow.settings import DataFiles, Settings
from careerflow.storage import build_application, database_url

console = Console(soft_wrap=True)


def _temporal_address(settings: Settings) -> str:
    return settings.temporal_address or f"127.0.0.1:{settings.temporal_port}"


def worker() -> None:
    """Run a Temporal worker: every workflow and the activities (domain commands)."""
    from careerflow.services import run_process, serve_worker

    settings = Settings()
    asyncio.run(run_process(settings, _temporal_address(settings), serve_worker, process="worker"))


def relay() -> None:
    """Follow the event log and signal the workflows (resumes where it stopped)."""
    from careerflow.services import run_process, serve_relay

    settings = Settings()
    asyncio.run(run_process(settings, _temporal_address(settings), serve_relay, process="relay"))


def notifier() -> None:
    """Follow the event log and notify people (inbox, e-mail, webhook; digests via Temporal)."""
    from careerflow.services import run_process, serve_notifier

    settings = Settings()
    asyncio.run(
        run_process(settings, _temporal_address(settings), serve_notifier, process="notifier")
    )


def projector() -> None:
    """Keep the read models up to date with the event log (exactly once)."""
    from careerflow.services import run_process, serve_projector

    asyncio.run(run_process(Settings(), None, serve_projector, process="projector"))


def api(
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="processes serving requests (about one per core; each has its own pool)",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API (CAREERFLOW_API_HOST / CAREERFLOW_API_PORT)."""
    import uvicorn

    from api.auth import load_secret
    from careerflow.logs import configure_logging
    from careerflow.ops_server import ProcessStatus, serve_ops

    settings = Settings()
    configure_logging(settings, "api")
    console.print(f"API   http://{settings.api_host}:{settings.api_port}/api/v1")
    console.print(f"docs  http://{settings.api_host}:{settings.api_port}/docs")
    status = ProcessStatus("api", role="serving")  # the API never calls Temporal
    status.database_url = database_url(settings)  # the embedded one starts here, once
    load_secret(settings)  # and create the secret file once, not in a race between workers
    with _metrics_registry(workers) as registry:
        serve_ops(status, settings.metrics_host, settings.metrics_port, registry=registry)
        uvicorn.run(
            "careerflow.asgi:create_api",
            factory=True,
            host=settings.api_host,
            port=settings.api_port,
            workers=workers,
            log_config=None,
            access_log=False,
        )


@contextlib.contextmanager
def _metrics_registry(workers: int) -> Iterator[CollectorRegistry]:
    """One worker: this process's registry. Several: prometheus_client's multiprocess mode.

    uvicorn starts its workers as new interpreters, which see the directory in their
    environment and write their metrics there; this process adds them up on scrape.
    """
    if workers == 1:
        yield REGISTRY
        return
    with tempfile.TemporaryDirectory(prefix="careerflow-metrics-") as directory:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        yield registry


def dev() -> None:
    """Embedded all-in-one: PostgreSQL, Temporal, worker, relay, notifier, projector and API."""
    from api.auth import Role, Tokens
    from careerflow.demo_org import (
        DEMO_AUDITOR,
        DEMO_EMPLOYEE,
        DEMO_HR_ADMIN,
        DEMO_MANAGER,
        seed_demo_org,
    )
    from careerflow.embedded_temporal import embedded_temporal
    from careerflow.services import (
        run_process,
        serve_api,
        serve_notifier,
        serve_projector,
        serve_relay,
        serve_worker,
    )

    settings = Settings()
    if "log_format" not in settings.model_fields_set:  # a terminal, unless told otherwise
        settings = settings.model_copy(update={"log_format": "text"})
    url = database_url(settings)
    with embedded_temporal(settings) as temporal:
        with build_application(settings) as application:
            cycle = seed_demo_org(application)
        tokens = Tokens(settings)
        base = f"http://{settings.api_host}:{settings.api_port}"
        hr_token = tokens.issue(DEMO_HR_ADMIN, frozenset({Role.HR_ADMIN}))
        console.print(f"web pages       {base}/  (sign in as ada, grace, hedy as HR admin, "
                      "or auditor as auditor)")  # fmt: skip
        console.print(f"API             {base}/api/v1")
        console.print(f"API docs        {base}/docs")
        console.print(f"Temporal web UI {temporal.ui_url}")
        console.print(
            f"Temporal        {temporal.address} (namespace {settings.temporal_namespace})"
        )
        console.print(f"PostgreSQL      {url}")
        outbox = settings.in_data_dir(DataFiles.OUTBOX)
        console.print(f"e-mail outbox   {outbox} (one .eml file per message; SMTP when set)")
        if cycle is None:
            console.print("demo data       not seeded: this store already holds a roster or cycles")
        else:
            console.print(f"demo cycle      {cycle.name} {cycle.id} ({len(cycle.enrolled)} cases)")
        console.print(f"tokens (valid for {settings.token_hours} h):")
        console.print(f"  employee  {DEMO_EMPLOYEE:<8} {tokens.issue(DEMO_EMPLOYEE)}")
        console.print(f"  manager   {DEMO_MANAGER:<8} {tokens.issue(DEMO_MANAGER)}")
        console.print(f"  HR admin  {DEMO_HR_ADMIN:<8} {hr_token}")
        console.print(
            f"  auditor   {DEMO_AUDITOR:<8} {tokens.issue(DEMO_AUDITOR, frozenset({Role.AUDITOR}))}"
        )
        console.print("try:")
        console.print(f'  curl -H "Authorization: Bearer {hr_token}" {base}/api/v1/cycles')
        console.print("worker, relay, notifier, projector and API running; Ctrl-C stops them")
        parts = (serve_worker, serve_relay, serve_notifier, serve_projector, serve_api)
        asyncio.run(run_process(settings, temporal.address, *parts, process="dev"))


PROCESS_COMMANDS: list[Callable[..., Any]] = [worker, relay, notifier, projector, api, dev]
