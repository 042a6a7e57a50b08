"""Events written in the tagged JSON format (every row before the typed one) still read.

``LegacyFormat`` is the application as it stored events before: eventsourcing's
mapper over the tagged JSON transcoder. A whole history written that way — the
roster, a cycle, a case through every step, its action items — must rebuild to
exactly what the typed format gives, and carry on in the typed format.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import Mapper

from application.personal_data import saving
from application.service import CareerFlow
from application.transcoding import SEALED_PREFIX, TYPED_PREFIX
from careerflow.settings import Settings
from careerflow.storage import eventsourcing_env
from domain.plan_commands import HoldCheckIn
from domain.roster import ROSTER_ID
from tests.factories import EMP, MGR, at, company
from tests.integration.test_application_contract import new_cycle, walk_every_step


class LegacyFormat(CareerFlow):
    name = CareerFlow.name  # the same event table

    def construct_mapper(self) -> Mapper[UUID]:
        return Mapper(self.construct_transcoder())


def state_of(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "pending_events"}


@pytest.fixture
def env(pg_url: str, fresh_settings: Settings) -> dict[str, str]:
    return eventsourcing_env(pg_url, fresh_settings)


@pytest.fixture
def legacy_history(env: dict[str, str]) -> tuple[UUID, UUID]:
    """A roster, a cycle and a case through every step, all in the tagged format."""
    old = LegacyFormat(env=env)
    old.import_roster(company(30), source="old.csv", actor="hr", at=at(0))
    cycle_id = new_cycle(old)
    case_id = old.case_for(cycle_id, EMP).id
    walk_every_step(old, case_id)
    old.close()
    return cycle_id, case_id


def first_bytes(pg_url: str, schema: str) -> set[bytes]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            f'SELECT DISTINCT substring(state from 1 for 3) FROM "{schema}".careerflow_events'
        ).fetchall()
    return {bytes(r[0]) for r in rows}


def test_a_history_in_the_tagged_format_rebuilds_exactly(
    env: dict[str, str], legacy_history: tuple[UUID, UUID], pg_url: str
) -> None:
    cycle_id, case_id = legacy_history
    assert TYPED_PREFIX not in first_bytes(pg_url, env["POSTGRES_SCHEMA"])
    old, new = LegacyFormat(env=env), CareerFlow(env=env)
    try:
        for aggregate_id in (case_id, cycle_id, ROSTER_ID, *old.get_case(case_id).action_item_ids):
            assert state_of(new.repository.get(aggregate_id)) == state_of(
                old.repository.get(aggregate_id)
            )
            old_events = list(old.events.get(aggregate_id))
            new_events = list(new.events.get(aggregate_id))
            assert [vars(e) for e in new_events] == [vars(e) for e in old_events]
        assert len(new.get_roster().people) == 30
    finally:
        old.close()
        new.close()


def test_a_tagged_history_carries_on_in_the_typed_format(
    env: dict[str, str], legacy_history: tuple[UUID, UUID], pg_url: str
) -> None:
    _, case_id = legacy_history
    app = CareerFlow(env=env)
    before = app.get_case(case_id)
    app.execute(case_id, HoldCheckIn(notes="second"), actor=MGR, at=at(80))
    app.close()
    assert SEALED_PREFIX in first_bytes(pg_url, env["POSTGRES_SCHEMA"])  # its notes, sealed

    fresh = CareerFlow(env=env)
    try:
        after = fresh.get_case(case_id)
        assert after.version == before.version + 1
        assert after.check_ins_held == before.check_ins_held + 1
        assert after.plans == before.plans
        (last,) = fresh.events.get(case_id, gt=before.version)
        assert last.notes == "second"  # type: ignore[attr-defined]
    finally:
        fresh.close()


def test_typed_rows_are_smaller_and_read_back_equal(env: dict[str, str]) -> None:
    """Smaller unless sealed: a sealed row carries its strings twice-encoded and encrypted."""
    app = CareerFlow(env=env)
    legacy = Mapper[UUID](app.construct_transcoder())
    try:
        case_id = app.case_for(new_cycle(app), EMP).id
        walk_every_step(app, case_id)
        sealed = 0
        for event in app.events.get(case_id):
            with saving({case_id: EMP}):
                typed = app.mapper.to_stored_event(event)
            tagged = legacy.to_stored_event(event)
            if typed.state.startswith(SEALED_PREFIX):
                sealed += 1
            else:
                assert typed.state.startswith(TYPED_PREFIX)
                assert len(typed.state) < len(tagged.state)
            assert vars(app.mapper.to_domain_event(typed)) == vars(event)
            assert vars(app.mapper.to_domain_event(tagged)) == vars(event)
        assert sealed >= 8  # the self-assessment, goals, agenda, feedback, recap, plan, ...
    finally:
        app.close()
