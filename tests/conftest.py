"""Suite-wide fixtures and rules.

* PostgreSQL: DATABASE_URL when set, else the embedded server; each test run works
  in a schema of its own, dropped at the end, so runs never see each other's events.
* In CI a skipped test is a failed run: nothing may silently not run.
* One key-encryption key (``CAREERFLOW_KEK``) for the whole run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from application.service import CareerFlow
from careerflow.settings import Settings
from careerflow.storage import database_url, drop_schema, ensure_schema, eventsourcing_env
from eventlog.data_keys import KeyEncryptionKeys

os.environ.setdefault("CAREERFLOW_KEK", KeyEncryptionKeys.generate())
"""One key-encryption key for the run: every schema, data dir and process it starts share
it, as a deployment's processes share theirs."""

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"CI: {len(_skipped)} test(s) skipped, which fails the run:", red=True
            )
            for nodeid in _skipped:
                reporter.write_line(f"  {nodeid}", red=True)


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = database_url(Settings())
    with psycopg.connect(url, connect_timeout=10) as conn:
        conn.execute("SELECT 1")
    return url


@pytest.fixture(scope="session")
def pg_schema(pg_url: str) -> Iterator[str]:
    schema = f"cf_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    ensure_schema(pg_url, schema)
    yield schema
    drop_schema(pg_url, schema)


@pytest.fixture(scope="session")
def pg_settings(pg_url: str, pg_schema: str) -> Settings:
    return Settings(database_url=pg_url, db_schema=pg_schema)


@pytest.fixture(scope="session")
def pg_env(pg_url: str, pg_settings: Settings) -> dict[str, str]:
    return eventsourcing_env(pg_url, pg_settings)


@pytest.fixture
def pg_app(pg_env: dict[str, str]) -> Iterator[CareerFlow]:
    app = CareerFlow(env=pg_env)
    yield app
    app.close()


@pytest.fixture
def sql(pg_url: str, pg_schema: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A plain connection on the test schema, for looking at what was stored."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{pg_schema}"')
        yield conn


@pytest.fixture
def fresh_settings(pg_url: str) -> Iterator[Settings]:
    """Settings naming a schema of this test's own (dropped afterwards)."""
    schema = f"cf_wf_{uuid.uuid4().hex[:10]}"
    ensure_schema(pg_url, schema)
    yield Settings(database_url=pg_url, db_schema=schema)
    drop_schema(pg_url, schema)


@pytest.fixture
def fresh_app(pg_url: str, fresh_settings: Settings) -> Iterator[CareerFlow]:
    app = CareerFlow(env=eventsourcing_env(pg_url, fresh_settings))
    yield app
    app.close()
