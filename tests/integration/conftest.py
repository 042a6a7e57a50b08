"""Integration tests use the PostgreSQL fixtures of tests/conftest.py, and an engine on them."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from sqlalchemy import Engine, select

from careerflow.settings import Settings
from projections.case_status import case_status
from projections.database import engine_for


@pytest.fixture
def engine(fresh_settings: Settings) -> Iterator[Engine]:
    """SQLAlchemy on the test's own schema (where the read models live)."""
    assert fresh_settings.database_url is not None
    engine = engine_for(fresh_settings.database_url, fresh_settings.db_schema)
    yield engine
    engine.dispose()


def case_phase(engine: Engine, case_id: UUID) -> str | None:
    """The case's phase in the case-status read model (None while it cannot be read)."""
    with engine.connect() as conn:
        try:
            found = conn.execute(
                select(case_status.c.phase).where(case_status.c.case_id == case_id)
            ).scalar()
        except Exception:
            return None
    return None if found is None else str(found)
