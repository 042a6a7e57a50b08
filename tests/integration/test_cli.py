"""The CLI as a user runs it: the demo walks a case and prints its audit history."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from careerflow.cli import app
from careerflow.settings import Settings


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
