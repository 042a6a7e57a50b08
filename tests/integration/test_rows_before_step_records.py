"""Rows stored before case events were bound to the aggregate as they are still load.

``tests/fixtures/rows_before_step_records.json`` holds the rows that the code before
that change (eventsourcing then made a subclass of every case event on the
aggregate) wrote for a roster, a cycle and a case walked through every step.
Inserted into a fresh store, they must load with today's classes, keep their
topics, replay to the same case, and take new steps written with the same topics.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from application.service import CareerFlow
from careerflow.settings import Settings
from domain import case_events as ev
from domain.case import DevelopmentCase
from domain.phases import Phase
from domain.plan_commands import HoldCheckIn
from tests.factories import EMP, at

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "rows_before_step_records.json"


@pytest.fixture
def old_rows(fresh_app: CareerFlow, fresh_settings: Settings) -> dict[str, Any]:
    saved: dict[str, Any] = json.loads(FIXTURE.read_text())
    rows = saved["rows"]
    with psycopg.connect(fresh_settings.database_url or "", autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{fresh_settings.db_schema}"')
        for row in rows:
            conn.execute(
                "INSERT INTO careerflow_events (originator_id, originator_version, topic, state)"
                " VALUES (%s, %s, %s, %s)",
                (
                    row["originator_id"],
                    row["originator_version"],
                    row["topic"],
                    base64.b64decode(row["state"]),
                ),
            )
    return saved


def topics(settings: Settings) -> list[str]:
    with psycopg.connect(settings.database_url or "") as conn:
        found = conn.execute(
            f'SELECT topic FROM "{settings.db_schema}".careerflow_events ORDER BY notification_id'
        ).fetchall()
    return [t for (t,) in found]


def test_old_rows_load_replay_and_carry_on_with_the_same_topics(
    fresh_app: CareerFlow, fresh_settings: Settings, old_rows: dict[str, Any]
) -> None:
    case_id = UUID(str(old_rows["case_id"]))
    case = fresh_app.get_case(case_id)
    assert case.phase is Phase.PLAN_APPROVED
    assert case.version == sum(1 for r in old_rows["rows"] if r["originator_id"] == str(case_id))
    events = list(fresh_app.events.get(case_id))
    assert type(events[0]) is ev.CaseOpened
    assert any(type(e) is ev.AgendaShared for e in events)
    assert all(type(e) is getattr(DevelopmentCase, type(e).__name__) for e in events)
    assert [e.event for e in fresh_app.case_history(case_id)][:2] == [
        "CaseOpened",
        "SelfAssessmentRecorded",
    ]
    before = topics(fresh_settings)
    fresh_app.execute(case_id, HoldCheckIn(notes="Still on track"), actor=EMP, at=at(40))
    after = topics(fresh_settings)
    assert after[: len(before)] == before
    assert after[len(before) :] == ["domain.case:DevelopmentCase.CheckInHeld"]
    assert {t for t in before if ".DevelopmentCase." in t} <= {
        f"domain.case:DevelopmentCase.{c.__name__}" for c in ev.case_events()
    } | {"domain.case:DevelopmentCase.ReminderSent", "domain.case:DevelopmentCase.Escalated"}


def test_an_event_class_is_the_same_on_the_aggregate_and_in_the_events_module() -> None:
    for event in ev.case_events():
        assert getattr(DevelopmentCase, event.__name__) is event
