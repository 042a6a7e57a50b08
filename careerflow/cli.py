"""The ``careerflow`` command line (Typer; rich for tables and progress bars)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from application.outcomes import RosterImport
from careerflow.cli_session import (
    CLI_ACTOR,
    Actor,
    DryRun,
    ImportedFile,
    application_session,
    console,
)
from careerflow.followers_cli import followers_app
from careerflow.framework_cli import framework_app
from careerflow.personal_data_cli import keys_app, person_app
from careerflow.processes_cli import PROCESS_COMMANDS
from careerflow.settings import Settings
from careerflow.storage import database_url
from domain.cycle import Cycle

app = typer.Typer(
    help="careerflow: career development cycles, event-sourced.", no_args_is_help=True
)
roster_app = typer.Typer(help="The roster HR imports (CSV, JSON or YAML).", no_args_is_help=True)
cycle_app = typer.Typer(help="Create, open, close and inspect cycles.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
app.add_typer(cycle_app, name="cycle")
projections_app = typer.Typer(help="The read models (SQL tables) built from the log.")
app.add_typer(projections_app, name="projections", no_args_is_help=True)
app.add_typer(followers_app, name="followers", no_args_is_help=True)
app.add_typer(keys_app, name="keys", no_args_is_help=True)
app.add_typer(person_app, name="person", no_args_is_help=True)
app.add_typer(framework_app, name="framework", no_args_is_help=True)
_application = application_session


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@app.command()
def demo() -> None:
    """Walk one complete case on the configured store and print its audit history."""
    from careerflow.demo import run_demo

    with _application() as application:
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


for _command in PROCESS_COMMANDS:
    app.command()(_command)


@app.command()
def token(
    employee_id: Annotated[str, typer.Argument(help="who the token speaks for")],
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="hr_admin or auditor (repeatable)"),
    ] = None,
    hours: Annotated[
        int | None, typer.Option(min=1, max=24 * 366, help="lifetime (default: token_hours)")
    ] = None,
) -> None:
    """Print a bearer token (embedded mode: signed with the data directory's secret)."""
    from api.auth import Role, Tokens

    try:
        roles = frozenset(Role(r) for r in role or [])
    except ValueError:
        raise typer.BadParameter("role must be hr_admin or auditor", param_hint="--role") from None
    settings = Settings()
    if settings.oidc_issuer:
        console.print("[red]tokens come from the OIDC issuer in this deployment[/red]")
        raise typer.Exit(2)
    try:
        typer.echo(Tokens(settings).issue(employee_id, roles, hours))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="EMPLOYEE_ID") from None


@app.command("database-url")
def show_database_url() -> None:
    """Print the PostgreSQL URL in use (starting the embedded server if needed)."""
    typer.echo(database_url(Settings()))


# --- roster -----------------------------------------------------------------------------


@roster_app.command("import")
def roster_import(
    file: ImportedFile,
    actor: Actor = CLI_ACTOR,
    dry_run: DryRun = False,
    yes: Annotated[bool, typer.Option("--yes", help="remove people without asking")] = False,
) -> None:
    """Import a roster file (.csv, .json or .yaml): validated as a whole, then the changes recorded.

    People on the roster but not in the file are removed (their open cases are closed
    as withdrawn) only after you confirm, or with --yes.
    """
    from api.roster_files import parse_roster
    from api.row_files import media_type_of

    text = file.read_text(encoding="utf-8")
    media = media_type_of(file)
    with _application() as application:
        people = application.checked_roster(parse_roster(text, media))
        now = datetime.now(UTC)
        if not yes or dry_run:  # with --yes nothing is asked: the import itself says what changed
            preview = application.import_roster(
                people, source="", actor=actor, at=now, dry_run=True
            )
            _print_diff(preview)
            if dry_run:
                return
        if not yes and preview.removed:
            question = f"Remove {len(preview.removed)} people and withdraw their open cases?"
            if not typer.confirm(question, default=False):
                console.print("nothing imported")
                raise typer.Exit(1)
        result = application.import_roster(
            people, source=f"cli:{file.name}", actor=actor, at=now, allow_removals=True
        )
        if yes:
            _print_diff(result)
    console.print(
        f"{len(result.added)} added, {len(result.changed)} changed, "
        f"{len(result.removed)} removed; {result.cases_moved} open cases moved to new people, "
        f"{result.cases_withdrawn} withdrawn (roster version {result.version})"
    )


def _print_diff(diff: RosterImport, shown: int = 20) -> None:
    for label, ids in (("add", diff.added), ("change", diff.changed), ("remove", diff.removed)):
        more = f" (+{len(ids) - shown} more)" if len(ids) > shown else ""
        listed = ", ".join(ids[:shown]) or "nobody"
        console.print(f"{label:<7} {len(ids):>6}: {listed}{more}")


# --- cycles ----------------------------------------------------------------------------


@cycle_app.command("create")
def cycle_create(
    name: Annotated[str, typer.Option(help="e.g. 'Career conversations 2027'")],
    opens: Annotated[datetime, typer.Option(help="when it opens (ISO date or time, UTC)")],
    closes: Annotated[datetime, typer.Option(help="when it closes")],
    okr_planning_on: Annotated[str | None, typer.Option(help="OKR planning date")] = None,
    policy: Annotated[
        Path | None, typer.Option(help="JSON file with policy overrides", exists=True)
    ] = None,
    actor: Annotated[str, typer.Option(help="who is creating it")] = CLI_ACTOR,
) -> None:
    """Create a draft cycle and print its id."""
    from domain.values import Policy

    def aware(value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    with _application() as application:
        cycle = application.create_cycle(
            cycle_id=uuid4(),
            name=name,
            opens_at=aware(opens),
            closes_at=aware(closes),
            okr_planning_on=date.fromisoformat(okr_planning_on) if okr_planning_on else None,
            policy=Policy.model_validate_json(policy.read_text()) if policy else Policy(),
            actor=actor,
            at=datetime.now(UTC),
        )
    typer.echo(str(cycle.id))


@cycle_app.command("open")
def cycle_open(
    cycle_id: UUID,
    department: Annotated[
        list[str] | None, typer.Option(help="only these departments (repeatable)")
    ] = None,
    actor: Annotated[str, typer.Option(help="who is opening it")] = CLI_ACTOR,
) -> None:
    """Open a cycle: a case for everyone on the roster who has a manager (or a department)."""
    with _application() as application:
        population = application.get_roster().enrolment(departments=department)
        with _progress() as progress:
            task = progress.add_task("opening cases", total=len(population))
            result = application.open_cycle(
                cycle_id,
                population=population,
                actor=actor,
                at=datetime.now(UTC),
                progress=lambda n: progress.advance(task, n),
            )
    console.print(f"{result.changed} cases opened, {result.unchanged} already open")


@cycle_app.command("close")
def cycle_close(
    cycle_id: UUID,
    actor: Annotated[str, typer.Option(help="who is closing it")] = CLI_ACTOR,
) -> None:
    """Close every case with its outcome, then the cycle."""
    with _application() as application:
        cycle = application.get_cycle(cycle_id)
        with _progress() as progress:
            task = progress.add_task("closing cases", total=len(cycle.enrolled))
            result = application.close_cycle(
                cycle_id,
                actor=actor,
                at=datetime.now(UTC),
                progress=lambda n: progress.advance(task, n),
            )
    console.print(f"{result.changed} cases closed, {result.unchanged} were already closed")


def _retention(cycle: Cycle) -> str:
    """What happens to the cycle's personal data, and when."""
    if cycle.data_expired_at is not None:
        return f"erased {cycle.data_expired_at.date().isoformat()}"
    if cycle.data_expires_at is not None:
        return f"erased on {cycle.data_expires_at.date().isoformat()}"
    if cycle.policy.retention is not None:
        return f"kept {cycle.policy.retention.days} days after closing"
    return "kept"


@cycle_app.command("status")
def cycle_status(cycle_id: Annotated[UUID | None, typer.Argument()] = None) -> None:
    """Every cycle; with an id, that cycle's cases per phase."""
    from projections.case_status import CaseStatus
    from projections.database import engine_for
    from projections.report_queries import phase_counts
    from projections.runner import ProjectionRunner

    with _application() as application:
        if cycle_id is None:
            table = Table(title="cycles")
            for column in ("id", "name", "status", "opens", "closes", "cases", "personal data"):
                table.add_column(column)
            for cycle in application.list_cycles():
                table.add_row(
                    str(cycle.id),
                    cycle.name,
                    cycle.status.value,
                    cycle.opens_at.date().isoformat(),
                    cycle.closes_at.date().isoformat(),
                    str(len(cycle.enrolled)),
                    _retention(cycle),
                )
            console.print(table)
            return
        cycle = application.get_cycle(cycle_id)
        table = Table(title=f"{cycle.name} ({cycle.status.value}, {len(cycle.enrolled)} cases)")
        table.add_column("phase")
        table.add_column("cases", justify="right")
        settings = Settings()
        engine = engine_for(database_url(settings), settings.db_schema)
        try:  # the counts come from the case-status read model, brought up to date first
            ProjectionRunner(application, engine, CaseStatus()).catch_up()
            with engine.connect() as conn:
                counts = phase_counts(conn, cycle_id)
        finally:
            engine.dispose()
        for phase, count in counts.items():
            table.add_row(phase, str(count))
        console.print(table)


# --- read models -------------------------------------------------------------------------


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="one read model (default: all)")] = None,
) -> None:
    """Rebuild read models from the start of the log beside the live ones, then switch over."""
    from careerflow.services import READ_MODELS
    from projections.database import engine_for
    from projections.rebuild import rebuild

    models = [m for m in READ_MODELS if name in (None, m.name)]
    if not models:
        known = ", ".join(m.name for m in READ_MODELS)
        raise typer.BadParameter(f"unknown read model; known: {known}", param_hint="NAME")
    settings = Settings()
    engine = engine_for(database_url(settings), settings.db_schema)
    try:
        with _application() as application, _progress() as progress:
            for model in models:
                task = progress.add_task(f"rebuilding {model.name}", total=None)

                def show(reached: int, head: int, task: TaskID = task) -> None:
                    progress.update(task, completed=reached, total=max(head, 1))

                version = rebuild(application, engine, model, progress=show)
                progress.update(task, description=f"{model.name}: version {version} is live")
    finally:
        engine.dispose()


@projections_app.command("list")
def projections_list() -> None:
    """Every read model, its live version and how far it has read the log."""
    from sqlalchemy import select

    from careerflow.services import READ_MODELS
    from projections.database import engine_for
    from projections.runner import projection_tracking, projection_versions, tracking_metadata

    settings = Settings()
    engine = engine_for(database_url(settings), settings.db_schema)
    tracking_metadata.create_all(engine)
    with _application() as application, engine.connect() as conn:
        live = {r.name: r.live_version for r in conn.execute(select(projection_versions))}
        positions = {r.name: r.position for r in conn.execute(select(projection_tracking))}
        head = application.recorder.max_notification_id() or 0
    engine.dispose()
    table = Table(title=f"read models (log head {head})")
    for column in ("name", "live version", "position"):
        table.add_column(column)
    for model in READ_MODELS:
        version = live.get(model.name)
        position = positions.get(f"{model.name}_v{version}", 0) if version else 0
        table.add_row(model.name, str(version or "-"), str(position))
    console.print(table)


if __name__ == "__main__":
    app()
