"""The read models' database: the same PostgreSQL as the event store, through SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def engine_for(url: str, schema: str) -> Engine:
    """An engine whose connections work in ``schema`` (where the event store lives too)."""
    sa_url = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(sa_url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _search_path(dbapi_connection: object, _: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()
        dbapi_connection.commit()  # type: ignore[attr-defined]

    return engine
