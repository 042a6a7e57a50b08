"""Integration tests use the PostgreSQL fixtures of tests/conftest.py, and an engine on them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from careerflow.settings import Settings
from projections.database import engine_for


@pytest.fixture
def engine(fresh_settings: Settings) -> Iterator[Engine]:
    """SQLAlchemy on the test's own schema (where the read models live)."""
    assert fresh_settings.database_url is not None
    engine = engine_for(fresh_settings.database_url, fresh_settings.db_schema)
    yield engine
    engine.dispose()
