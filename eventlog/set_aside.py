"""Events a follower could not handle: retried, then set aside with a record, never a wall.

A follower (the relay, the notifier, each read model) must never be blocked for good
by one event. ``handle_guarded`` tries a batch, retries it with backoff, then takes its
events one at a time; an event that still fails is recorded in ``set_aside_events``
(follower, position, topic, error) and skipped, and the follower goes on. An outage
(the database or Temporal out of reach) is not the event's fault: it is raised to the
follower's loop, which waits and tries again without setting anything aside.

Operators see what was set aside in ``/readyz`` (degraded) and with
``careerflow followers list``; ``careerflow followers retry NAME`` asks the running
follower to try those events again (read models are better rebuilt:
``careerflow projections rebuild``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.utils import get_topic
from psycopg import sql

from application.service import CareerFlow
from domain.personal import ERASED
from eventlog.follower import Delivery, postgres_recorder

log = logging.getLogger("careerflow.followers")

TABLE = "set_aside_events"
ATTEMPTS = 3
RETRY_CHECK_SECONDS = 2.0
BACKOFF_SECONDS = 0.2


def is_outage(exc: BaseException) -> bool:
    """A dependency out of reach (retry until it is back), not an event at fault."""
    import psycopg
    import sqlalchemy.exc

    return isinstance(
        exc,
        OperationalError
        | InterfaceError
        | psycopg.OperationalError
        | sqlalchemy.exc.OperationalError
        | ConnectionError
        | TimeoutError,
    )


class SetAside:
    """The set-aside records of one follower, in the event store's database."""

    def __init__(self, app: CareerFlow, follower: str) -> None:
        self.datastore = postgres_recorder(app).datastore
        self.follower = follower
        self._next_retry_check = 0.0
        self.table = sql.SQL("{}.{}").format(
            sql.Identifier(self.datastore.schema), sql.Identifier(TABLE)
        )
        with self.datastore.transaction(commit=True) as cursor:
            # Followers start together: one creates the table while the others wait.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('careerflow.set_aside'))")
            cursor.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {table} ("
                    " follower text NOT NULL, position bigint NOT NULL, topic text NOT NULL,"
                    " error text NOT NULL, attempts int NOT NULL DEFAULT 1,"
                    " set_aside_at timestamptz NOT NULL DEFAULT now(),"
                    " retry_requested boolean NOT NULL DEFAULT false, resolved_at timestamptz,"
                    " PRIMARY KEY (follower, position))"
                ).format(table=self.table)
            )

    def _execute(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(sql.SQL(statement).format(table=self.table), params)
            return list(cursor.fetchall()) if cursor.description else []

    def record(self, delivery: Delivery, error: BaseException) -> None:
        reason = f"{type(error).__name__}: {error}"[:2000]
        log.error("%s set aside event %s: %s", self.follower, delivery.position, reason)
        self._execute(
            "INSERT INTO {table} (follower, position, topic, error) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (follower, position) DO UPDATE SET error = excluded.error,"
            " attempts = {table}.attempts + 1, retry_requested = false, resolved_at = NULL",
            (self.follower, delivery.position, get_topic(type(delivery.event)), reason),
        )

    def resolve(self, position: int) -> None:
        self._execute(
            "UPDATE {table} SET resolved_at = now(), retry_requested = false"
            " WHERE follower = %s AND position = %s",
            (self.follower, position),
        )

    def retries_requested(self) -> list[int]:
        """Positions an operator asked to retry; asked of the database every few seconds at most
        (followers call this on every turn of their loop)."""
        now = time.monotonic()
        if now < self._next_retry_check:
            return []
        self._next_retry_check = now + RETRY_CHECK_SECONDS
        rows = self._execute(
            "SELECT position FROM {table} WHERE follower = %s AND retry_requested"
            " AND resolved_at IS NULL ORDER BY position",
            (self.follower,),
        )
        return [int(row["position"]) for row in rows]

    def request_retry(self) -> int:
        rows = self._execute(
            "UPDATE {table} SET retry_requested = true WHERE follower = %s"
            " AND resolved_at IS NULL RETURNING position",
            (self.follower,),
        )
        return len(rows)

    def unresolved(self) -> list[dict[str, Any]]:
        return self._execute(
            "SELECT follower, position, topic, error, attempts, set_aside_at, retry_requested"
            " FROM {table} WHERE follower = %s AND resolved_at IS NULL ORDER BY position",
            (self.follower,),
        )


UNRESOLVED_SQL = (
    "SELECT follower, count(*) AS events, min(position) AS first_position, max(error) AS error"
    f" FROM {TABLE} WHERE resolved_at IS NULL GROUP BY follower ORDER BY follower"
)
"""Every follower with events set aside (for ``/readyz``), over the schema's search path."""


def handle_guarded(
    batch: Sequence[Delivery],
    *,
    handle_batch: Callable[[Sequence[Delivery]], object],
    handle_one: Callable[[Delivery], object],
    skip: Callable[[Delivery], object],
    set_aside: SetAside,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF_SECONDS,
    passes: tuple[type[Exception], ...] = (),
) -> int:
    """Handle a batch; an event that keeps failing is set aside and skipped.

    Returns how many events were set aside. An outage, and any of ``passes`` (the
    follower's own signals), are raised at once.
    """
    for attempt in range(attempts):
        try:
            handle_batch(batch)
            return 0
        except passes:
            raise
        except Exception as exc:
            if is_outage(exc):
                raise
            log.warning("%s: batch failed (%s), attempt %d", set_aside.follower, exc, attempt + 1)
            time.sleep(backoff * 2**attempt)
    set_aside_count = 0
    for delivery in batch:
        error: Exception | None = None
        for attempt in range(attempts):
            try:
                handle_one(delivery)
                error = None
                break
            except passes:
                raise
            except Exception as exc:
                if is_outage(exc):
                    raise
                error = exc
                time.sleep(backoff * 2**attempt)
        if error is not None:
            set_aside.record(delivery, error)
            skip(delivery)
            set_aside_count += 1
    return set_aside_count


def retry_requested(
    app: CareerFlow, set_aside: SetAside, handle_one: Callable[[Delivery], object]
) -> None:
    """Try again the set-aside events an operator asked to retry (resolved when they pass)."""
    for position in set_aside.retries_requested():
        notes = app.recorder.select_notifications(start=position, limit=1)
        if not notes or notes[0].id != position:
            continue
        delivery = Delivery(app.mapper.to_domain_event(notes[0]), position)
        try:
            handle_one(delivery)
        except Exception as exc:
            if is_outage(exc):
                raise
            set_aside.record(delivery, exc)
        else:
            set_aside.resolve(position)


def erase_errors(app: CareerFlow, positions: Sequence[int]) -> int:
    """Blank the recorded errors of these events (an erasure: an error may quote them)."""
    if not positions:
        return 0
    datastore = postgres_recorder(app).datastore
    table = sql.SQL("{}.{}").format(sql.Identifier(datastore.schema), sql.Identifier(TABLE))
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(sql.SQL("SELECT to_regclass(%s)"), (f"{datastore.schema}.{TABLE}",))
        row = cursor.fetchone()
        if row is None or next(iter(row.values())) is None:
            return 0  # no follower has set anything aside yet
        cursor.execute(
            sql.SQL("UPDATE {table} SET error = %s WHERE position = ANY(%s)").format(table=table),
            (ERASED, list(positions)),
        )
        return cursor.rowcount
