"""``careerflow keys`` and ``careerflow person``: data keys, erasure, a person's data."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.person_erasure import erase_person
from api.person_export import export_person
from application.service import CareerFlow
from careerflow.cli_session import CLI_ACTOR, application_session, console
from careerflow.settings import DataFiles, Settings
from careerflow.storage import database_url
from eventlog.data_keys import KeyEncryptionKeys, PostgresDataKeys
from projections.database import engine_for

keys_app = typer.Typer(help="The people's data keys and the key-encryption keys (KEKs).")
person_app = typer.Typer(help="One person's data: a copy of all of it, or its erasure.")


@contextlib.contextmanager
def _store() -> Iterator[tuple[CareerFlow, Settings]]:
    with application_session() as application:
        yield application, Settings()


def _keys(application: CareerFlow) -> PostgresDataKeys:
    if not isinstance(application.data_keys, PostgresDataKeys):
        raise typer.BadParameter("the data keys live in PostgreSQL only")
    return application.data_keys


@keys_app.command("status")
def keys_status() -> None:
    """How many data keys each KEK wraps (the first configured KEK is the current one)."""
    with _store() as (application, _):
        keys = _keys(application)
        table = Table(title="data keys by key-encryption key")
        for column in ("KEK", "configured", "data keys"):
            table.add_column(column)
        counts = keys.wrapped_by()
        for fingerprint in {**dict.fromkeys(keys.keks.by_fingerprint), **counts}:
            configured = keys.keks.by_fingerprint.get(fingerprint)
            state = "current" if configured is keys.keks.current else "yes" if configured else "no"
            if fingerprint == "erased":
                state = "-"
            table.add_row(fingerprint, state, str(counts.get(fingerprint, 0)))
        console.print(table)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Wrap every data key under the newest KEK (put it first in CAREERFLOW_KEK), so the
    older ones can be retired. Data keys, and so the events, stay as they are."""
    with _store() as (application, _):
        done = _keys(application).rotate()
        console.print(f"wrapped again under {_keys(application).keks.current.fingerprint}: {done}")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new random key-encryption key (base64), for CAREERFLOW_KEK."""
    console.print(KeyEncryptionKeys.generate())


@keys_app.command("seal-existing")
def keys_seal_existing() -> None:
    """Seal the personal strings of events stored before personal fields were encrypted
    (once, after upgrading): the same events, their free text now under each person's key."""
    with _store() as (application, _):
        ids = application.unsealed_aggregates()
        sealed = 0
        with typer.progressbar(ids, label="aggregates") as progress:
            for aggregate_id in progress:
                sealed += application.seal_stored([aggregate_id])
        console.print(f"sealed {sealed} rows of {len(ids)} aggregates")


@person_app.command("erase")
def person_erase(
    employee_id: Annotated[str, typer.Argument(help="whose personal data to erase")],
    reason: Annotated[str, typer.Option(help="the request it answers (stays in the audit trail)")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Destroy the person's data key and scrub every copy of their data; the audit trail
    stays (every event, its actor, time and type), their texts read as [erased]."""
    if not yes:
        typer.confirm(f"Erase the personal data of {employee_id} for good?", abort=True)
    with _store() as (application, settings):
        engine = engine_for(database_url(settings), settings.db_schema)
        outbox = None if settings.smtp_host else settings.in_data_dir(DataFiles.OUTBOX)
        report = erase_person(
            application,
            engine,
            outbox,
            employee_id,
            reason=reason,
            actor=CLI_ACTOR,
            at=datetime.now(UTC),
        )
        engine.dispose()
    for name, value in report.model_dump().items():
        shown = len(value) if isinstance(value, list) else value
        console.print(f"{name.replace('_', ' ')}: {shown}")


@person_app.command("export")
def person_export(
    employee_id: Annotated[str, typer.Argument(help="whose data to export")],
    out: Annotated[Path, typer.Option(help="the JSON file to write")],
) -> None:
    """Everything careerflow holds about the person, as they may read it, into a file."""
    with _store() as (application, settings):
        engine = engine_for(database_url(settings), settings.db_schema)
        exported = export_person(application, engine, employee_id, datetime.now(UTC))
        engine.dispose()
    out.write_text(exported.model_dump_json(indent=2))
    console.print(f"wrote {out} ({len(exported.cases)} cases, {len(exported.messages)} messages)")
