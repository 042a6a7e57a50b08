"""Personal fields at rest: sealed per person, readable as before, keys rotated, old rows
sealed in place, and a person erased from the command line.

``ClearCareerFlow`` (from the sealing benchmark) is today's application with sealing
left out: it writes the rows the code before sealing wrote (``[2,{...}]``, free text in
the clear).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from typer.testing import CliRunner

from application.personal_data import KEYS_AT_ONCE
from application.service import CareerFlow
from application.transcoding import ITEMS_ONE_BY_ONE
from bench.sealing_bench import ClearCareerFlow
from careerflow.cli import app as cli
from careerflow.settings import Settings
from careerflow.storage import eventsourcing_env
from domain.roster import ERASED_EMAIL, Person
from eventlog.data_keys import KeyEncryptionKeys, PostgresDataKeys
from tests.factories import EMP, MGR, PEER
from tests.integration.test_application_contract import new_cycle, walk_every_step

SAID = "Offsite on the 10th"  # the reschedule's reason in ``walk_every_step``


def people() -> list[Person]:
    return [
        Person(employee_id=e, name=f"{e.title()} Example", email=f"{e}@example.com", department="X")
        for e in (EMP, MGR, PEER)
    ]


def rows(settings: Settings) -> bytes:
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url) as conn:
        states = conn.execute(
            f'SELECT state FROM "{settings.db_schema}".careerflow_events'
        ).fetchall()
    return b"\n".join(bytes(s[0]) for s in states)


def application(settings: Settings, kek: str | None = None, kind: type = CareerFlow) -> Any:
    if kek is not None:
        settings = settings.model_copy(update={"kek": kek})
    assert settings.database_url is not None
    return kind(env=eventsourcing_env(settings.database_url, settings))


@pytest.fixture
def walked(fresh_settings: Settings) -> tuple[Settings, UUID]:
    app = application(fresh_settings)
    app.import_roster(people(), source="test", actor="hr", at=datetime.now(UTC))
    case_id = app.case_for(new_cycle(app), EMP).id
    walk_every_step(app, case_id)
    app.close()
    return fresh_settings, case_id


def state_of(settings: Settings, case_id: UUID, kek: str | None = None) -> dict[str, Any]:
    app = application(settings, kek)
    try:
        return dict(vars(app.get_case(case_id)))
    finally:
        app.close()


def test_free_text_is_sealed_at_rest_and_reads_back(walked: tuple[Settings, UUID]) -> None:
    settings, case_id = walked
    stored = rows(settings)
    assert SAID.encode() not in stored
    assert b"Tech lead" not in stored  # the self-assessment's aspiration
    assert b"@example.com" not in stored  # the roster's e-mails
    assert b'"held_at"' in stored  # times and structure stay clear
    assert state_of(settings, case_id)["self_assessment"].aspirations.next_roles == ["Tech lead"]


def test_a_new_kek_wraps_every_key_and_the_old_one_retires(walked: tuple[Settings, UUID]) -> None:
    settings, case_id = walked
    old = settings.kek or ""
    new = KeyEncryptionKeys.generate()
    before = state_of(settings, case_id)
    both = application(settings, f"{new},{old}")
    keys = both.data_keys
    assert isinstance(keys, PostgresDataKeys)
    assert keys.rotate() == 4  # emp, mgr and peer (their names), emp in this cycle (texts)
    assert keys.rotate() == 0
    both.close()
    assert state_of(settings, case_id, new) == before
    with pytest.raises(Exception, match="not configured"):
        state_of(settings, case_id, old)


def test_rows_stored_before_sealing_read_and_are_sealed_in_place(
    fresh_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear = application(fresh_settings, kind=ClearCareerFlow)
    case_id = clear.case_for(new_cycle(clear), EMP).id
    walk_every_step(clear, case_id)
    clear.close()
    assert SAID.encode() in rows(fresh_settings)
    before = state_of(fresh_settings, case_id)  # today's code reads the clear rows

    monkeypatch.setenv("DATABASE_URL", fresh_settings.database_url or "")
    monkeypatch.setenv("CAREERFLOW_DB_SCHEMA", fresh_settings.db_schema)
    result = CliRunner().invoke(cli, ["keys", "seal-existing"])
    assert result.exit_code == 0, result.output
    assert "sealed" in result.output
    assert SAID.encode() not in rows(fresh_settings)
    assert state_of(fresh_settings, case_id) == before
    again = CliRunner().invoke(cli, ["keys", "seal-existing"])
    assert "sealed 0 rows" in again.output


def test_a_person_is_exported_and_erased_from_the_command_line(
    walked: tuple[Settings, UUID], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings, case_id = walked
    monkeypatch.setenv("DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("CAREERFLOW_DB_SCHEMA", settings.db_schema)
    out = tmp_path / "emp.json"
    exported = CliRunner().invoke(cli, ["person", "export", EMP, "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    copy = json.loads(out.read_text())
    assert copy["person"]["name"] == "Emp Example"
    assert SAID in out.read_text()
    result = CliRunner().invoke(cli, ["person", "erase", EMP, "--reason", "request 9", "--yes"])
    assert result.exit_code == 0, result.output
    assert "case ids: 1" in result.output
    app = application(settings)
    try:
        case = app.get_case(case_id)
        assert case.self_assessment is not None
        assert case.self_assessment.aspirations.next_roles == ["[erased]"]
        person = app.get_roster().get(EMP)
        assert person is not None
        assert (person.name, person.email) == ("[erased]", ERASED_EMAIL)
        assert b"Emp Example" not in rows(settings)
    finally:
        app.close()
    unknown = CliRunner().invoke(cli, ["person", "erase", "nobody", "--reason", "x", "--yes"])
    assert unknown.exit_code == 2


def test_a_roster_larger_than_one_chunk_of_keys_reads_back_and_erases_one_person(
    fresh_settings: Settings,
) -> None:
    """More people than ``KEYS_AT_ONCE`` (keys held at once) and ``ITEMS_ONE_BY_ONE``
    (people validated one by one): sealed and opened chunk by chunk, read back whole."""
    many = KEYS_AT_ONCE + 7
    assert many > ITEMS_ONE_BY_ONE
    company = [
        Person(
            employee_id=f"e{i:05d}",
            name=f"Person {i}",
            email=f"e{i}@example.com",
            manager_id=None if i == 0 else "e00000",
            department=f"D{i % 3}",
        )
        for i in range(many)
    ]
    app = application(fresh_settings)
    app.import_roster(company, source="test", actor="hr", at=datetime.now(UTC))
    last = company[-1].employee_id  # in the second chunk of keys
    app.erase_person(last, reason="request 10", actor="hr", at=datetime.now(UTC))
    app.close()
    assert b"Person 5006" not in rows(fresh_settings)
    again = application(fresh_settings)  # a cold process: every key read from the table
    try:
        roster = again.get_roster()
        assert roster.get("e00001") == company[1]
        assert roster.get("e05005") == company[5005]
        erased = roster.get(last)
        assert erased is not None
        assert (erased.name, erased.email) == ("[erased]", ERASED_EMAIL)
        assert len(roster.people) == many
    finally:
        again.close()
