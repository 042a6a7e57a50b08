"""The CLI as a user runs it: the demo walks a case and prints its audit history."""

from __future__ import annotations

import contextlib
import os
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from application.service import CareerFlow
from careerflow.binaries import careerflow_process
from careerflow.cli import app
from careerflow.settings import Settings
from domain.commands import RequestMeeting
from projections.case_status import case_status
from projections.database import engine_for
from tests.factories import EMP, at
from tests.integration.test_application_contract import new_cycle


def test_demo_walks_a_case_and_is_idempotent(
    pg_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pg_settings.database_url is not None
    monkeypatch.setenv("DATABASE_URL", pg_settings.database_url)
    monkeypatch.setenv("CAREERFLOW_DB_SCHEMA", pg_settings.db_schema)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    for event in (
        "CaseOpened",
        "MeetingAccepted",
        "RecapShared",
        "PlanApproved",
        "CheckInHeld",
        "CaseClosed",
    ):
        assert event in first.output
    assert "outcome: plan_approved" in first.output
    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert second.output.count("\n") == first.output.count("\n")


def test_database_url_prints_the_configured_url(
    pg_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pg_settings.database_url is not None
    monkeypatch.setenv("DATABASE_URL", pg_settings.database_url)
    result = CliRunner().invoke(app, ["database-url"])
    assert result.exit_code == 0
    assert result.output.strip() == pg_settings.database_url


def test_the_projector_process_keeps_the_case_status_current(
    fresh_settings: Settings, fresh_app: CareerFlow
) -> None:
    assert fresh_settings.database_url is not None
    env = os.environ | {
        "DATABASE_URL": fresh_settings.database_url,
        "CAREERFLOW_DB_SCHEMA": fresh_settings.db_schema,
    }
    case_id = fresh_app.case_for(new_cycle(fresh_app), EMP).id
    engine = engine_for(fresh_settings.database_url, fresh_settings.db_schema)
    try:
        with careerflow_process("projector", env) as projector:
            fresh_app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
            deadline = time.monotonic() + 30
            phase = None
            while phase != "meeting_requested" and time.monotonic() < deadline:
                time.sleep(0.1)
                with contextlib.suppress(ProgrammingError), engine.connect() as conn:
                    phase = conn.execute(  # the table appears when the projector starts
                        select(case_status.c.phase).where(case_status.c.case_id == case_id)
                    ).scalar()
            assert projector.poll() is None, "the projector keeps running"
        assert phase == "meeting_requested"
        assert projector.returncode == 0, "SIGTERM stops it cleanly"
    finally:
        engine.dispose()
