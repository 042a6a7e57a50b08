"""What every ``careerflow`` command shares: the console, the actor, the application."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from application.service import CareerFlow
from careerflow.settings import Settings
from careerflow.storage import build_application
from domain import errors

console = Console(soft_wrap=True)
CLI_ACTOR = "careerflow:cli"

ImportedFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
Actor = Annotated[str, typer.Option(help="who is importing")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="show the changes, write nothing")]
"""The options every file import takes (the roster, the framework)."""


@contextlib.contextmanager
def application_session() -> Iterator[CareerFlow]:
    """The application, with domain errors printed as one clear line (exit 2) and every
    row problem of a refused file under it."""
    application = build_application(Settings())
    try:
        yield application
    except errors.DomainError as exc:
        console.print(f"[red]refused[/red] ({exc.code}): {exc.message}")
        for problem in exc.details.get("problems", [])[:50]:
            console.print(f"  row {problem['row']}: {problem['field']}: {problem['reason']}")
        raise typer.Exit(2) from None
    finally:
        application.close()
