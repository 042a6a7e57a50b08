"""The ``careerflow`` command line (Typer)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from careerflow.settings import Settings
from careerflow.storage import build_application, database_url

app = typer.Typer(
    help="careerflow: career development cycles, event-sourced.", no_args_is_help=True
)
console = Console()


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


@app.command("database-url")
def show_database_url() -> None:
    """Print the PostgreSQL URL in use (starting the embedded server if needed)."""
    typer.echo(database_url(Settings()))


if __name__ == "__main__":
    app()
