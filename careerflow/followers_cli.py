"""``careerflow followers``: what the relay, the notifier and the read models set aside."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from careerflow.settings import Settings
from careerflow.storage import build_application
from eventlog.set_aside import SetAside

followers_app = typer.Typer(help="Events the followers (relay, notifier, read models) set aside.")
console = Console(soft_wrap=True)

FOLLOWERS = (
    "relay",
    "notifier",
    "case_status",
    "action_items",
    "roster_people",
    "commitment_ledger",
)


@followers_app.command("list")
def followers_list() -> None:
    """Every event a follower set aside (and could not handle), with its error."""
    with build_application(Settings()) as application:
        table = Table(title="events set aside")
        for column in ("follower", "position", "event", "attempts", "when", "error"):
            table.add_column(column, overflow="fold")
        for name in FOLLOWERS:
            for row in SetAside(application, name).unresolved():
                table.add_row(
                    name,
                    str(row["position"]),
                    str(row["topic"]).rsplit(".", 1)[-1],
                    str(row["attempts"]),
                    row["set_aside_at"].strftime("%Y-%m-%d %H:%M"),
                    str(row["error"])[:200],
                )
        console.print(table if table.row_count else "nothing set aside")


@followers_app.command("retry")
def followers_retry(
    name: Annotated[str, typer.Argument(help="relay, notifier or a read model's name")],
) -> None:
    """Ask the running follower to try its set-aside events again (after fixing the cause)."""
    if name not in FOLLOWERS:
        raise typer.BadParameter(f"one of {', '.join(FOLLOWERS)}", param_hint="NAME")
    with build_application(Settings()) as application:
        count = SetAside(application, name).request_retry()
    console.print(f"{count} events will be tried again by the {name}")
