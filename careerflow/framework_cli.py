"""``careerflow framework``: import the career framework, and show it as a grid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from api.framework_files import read_framework
from api.row_files import media_type_of
from careerflow import cli_session as session
from careerflow.cli_session import CLI_ACTOR, Actor, DryRun, ImportedFile
from domain.framework import CareerFramework, FrameworkDiff

framework_app = typer.Typer(help="The career framework: tracks, levels, competencies.")


@framework_app.command("import")
def framework_import(
    file: ImportedFile,
    actor: Actor = CLI_ACTOR,
    dry_run: DryRun = False,
) -> None:
    """Import a framework file (.csv, .json or .yaml; one row per track, level and
    competency with its expectation): validated as a whole, then a new version."""
    text = file.read_text(encoding="utf-8")
    with session.application_session() as application:
        framework = read_framework(text, media_type_of(file))
        result = application.import_framework(
            framework,
            source=f"cli:{file.name}"[:200],
            actor=actor,
            at=datetime.now(UTC),
            dry_run=dry_run,
        )
    _print_diff(result.diff)
    if dry_run:
        session.console.print(f"dry run: nothing written (the current version is {result.version})")
    elif result.diff.empty:
        session.console.print(f"unchanged: version {result.version} stays current")
    else:
        session.console.print(f"imported: version {result.version} is current")


def _print_diff(diff: FrameworkDiff) -> None:
    session.console.print(
        f"{len(diff.added)} expectations added, {len(diff.changed)} changed, "
        f"{len(diff.removed)} removed"
    )
    for cell in diff.added[:20]:
        session.console.print(f"  + {cell.track} / {cell.level} / {cell.competency}")
    for change in diff.changed[:20]:
        session.console.print(f"  ~ {change.track} / {change.level} / {change.competency}")
    for cell in diff.removed[:20]:
        session.console.print(f"  - {cell.track} / {cell.level} / {cell.competency}")


@framework_app.command("show")
def framework_show(
    version: Annotated[int | None, typer.Option(help="a past version")] = None,
) -> None:
    """The framework as a grid per track: levels down, competencies across."""
    with session.application_session() as application:
        framework = application.get_framework_book().at(version)
    if not framework.version:
        session.console.print("no career framework has been imported yet")
        return
    session.console.print(f"career framework, version {framework.version}")
    for table in grids(framework):
        session.console.print(table)


def grids(framework: CareerFramework) -> list[Table]:
    tables = []
    for track in framework.tracks:
        named = [
            c for c in framework.competencies if any(c in lv.expectations for lv in track.levels)
        ]
        table = Table("level", *named, title=track.name, show_lines=True)
        for level in track.levels:
            table.add_row(level.name, *(level.expectations.get(c, "—") for c in named))
        tables.append(table)
    return tables
