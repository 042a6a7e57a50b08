"""The PostgreSQL recorder careerflow uses: eventsourcing's, with its write path reworked.

The guarantees are eventsourcing's: one transaction per save, the table locked in
EXCLUSIVE mode so notification ids are committed in order (a follower never skips
an event that commits later with a lower id), and a NOTIFY for LISTENers. What
changes is how the rows get there, measured with ``bench/domain_bench.py``:

1. One round trip per save. A server-side function takes the lock, sends the
   NOTIFY and inserts the rows, called as one statement in autocommit (its own
   transaction). eventsourcing's path needs four (BEGIN, lock, insert, COMMIT);
   every round trip a thread waits on also waits for the GIL to come back, which
   while a cycle opens (Python busy building the next batch) cost more than the
   insert itself.
2. No pipeline mode. A transaction with a large payload (a batch of 500 new cases
   is about 350 kB) stalled for good in psycopg's pipeline over a Unix socket,
   which is how the embedded PostgreSQL is reached (psycopg issue #685 is that
   family).
3. Rows go in as four plain arrays in binary format instead of one array of a
   composite type, which psycopg renders as escaped text in Python (about 100 µs
   per event when a cycle opens), and the ids come back as tuples, not dicts.
4. Rows come back in binary format, as tuples. In text format a row's state arrives
   hex-escaped (twice its size) and is unescaped into a third copy: reading back a
   100,000-person roster import (35 MB) took 200 MB at its peak, and a follower keeps
   the resident memory it once needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    Notification,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from eventlog import data_keys
from eventlog.write_fence import CURRENT_FENCE, FenceState, WriteOutcomeUnknown

APPEND_FUNCTION = "careerflow_append_events"


class CareerflowRecorder(PostgresApplicationRecorder):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "channel": Identifier(self.channel_name),
            "append": Identifier(APPEND_FUNCTION),
        }
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{append}("
                "  ids uuid[], versions bigint[], topics text[], states bytea[]"
                ") RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "BEGIN "
                "  SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "  LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "  NOTIFY {channel}; "
                "  RETURN QUERY "
                "  INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
                "  SELECT * FROM unnest(ids, versions, topics, states) "
                "  RETURNING notification_id; "
                "END; $BODY$"
            ).format(lock_timeout=self.datastore.lock_timeout, **names)
        )
        self.sql_create_statements.append(data_keys.create_statement(self.datastore.schema))
        self.append_statement = (
            SQL("SELECT * FROM {schema}.{append}(%b, %b, %b, %b)").format(**names).as_string()
        )

    def data_keys(self, keks: str) -> data_keys.PostgresDataKeys:
        """The people's data keys, in a table beside the events (``eventlog/data_keys.py``)."""
        return data_keys.PostgresDataKeys(self.datastore, data_keys.KeyEncryptionKeys(keks))

    def replace_states(self, rows: Sequence[StoredEvent]) -> None:
        """Rewrite stored rows in place, in one transaction: only to seal the personal
        strings of rows written before sealing existed (the same events, encrypted)."""
        if not rows:
            return
        table = SQL("{}.{}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            curs.executemany(
                SQL(
                    "UPDATE {table} SET state = %s "
                    "WHERE originator_id = %s AND originator_version = %s"
                ).format(table=table),
                [(r.state, r.originator_id, r.originator_version) for r in rows],
            )

    def positions_of(self, originator_ids: Sequence[Any]) -> list[int]:
        """The notification ids of these aggregates' events (an erasure scrubs by them)."""
        query = "SELECT notification_id FROM {table} WHERE originator_id = ANY(%s)"
        return [int(row[0]) for row in self._select(query, (list(originator_ids),))]

    def events_of(self, originator_ids: Sequence[Any]) -> list[StoredEvent]:
        """Every stored event of these aggregates, each aggregate's in order (one query
        where the recorder's own ``select_events`` takes one per aggregate)."""
        query = (
            "SELECT originator_id, originator_version, topic, state FROM {table} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        )
        return [StoredEvent(*row) for row in self._select(query, (list(originator_ids),))]

    def unsealed_originators(self, sealed_prefix: bytes) -> list[Any]:
        """The aggregates with a row not in the sealed format (it may hold clear text)."""
        query = (
            "SELECT DISTINCT originator_id FROM {table} WHERE substring(state from 1 for %s) <> %s"
        )
        return [row[0] for row in self._select(query, (len(sealed_prefix), sealed_prefix))]

    def _select(self, query: LiteralString, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows of ``query`` over the events table (named ``{table}`` in it)."""
        table = SQL("{}.{}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as c,
        ):
            c.execute(SQL(query).format(table=table), params, prepare=True)
            return c.fetchall()

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """eventsourcing's query, its rows read in binary format (point 4 above)."""
        where: list[LiteralString] = []
        params: list[Any] = []
        if start is not None:
            where.append("notification_id >= %s" if inclusive_of_start else "notification_id > %s")
            params.append(start)
        if stop is not None:
            where.append("notification_id <= %s")
            params.append(stop)
        if topics:
            where.append("topic = ANY(%s)")
            params.append(list(topics))
        query = (
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {table}" + (" WHERE " + " AND ".join(where) if where else "")
        )
        rows = self._select(query + " ORDER BY notification_id LIMIT %s", (*params, limit))
        return [
            Notification(id=n, originator_id=o, originator_version=v, topic=t, state=s)
            for n, o, v, t, s in rows
        ]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """eventsourcing's query, its rows read in binary format (point 4 above)."""
        query = "SELECT originator_id, originator_version, topic, state FROM {table} "
        query += "WHERE originator_id = %s"
        params: list[Any] = [originator_id]
        if gt is not None:
            query += " AND originator_version > %s"
            params.append(gt)
        if lte is not None:
            query += " AND originator_version <= %s"
            params.append(lte)
        query += " ORDER BY originator_version DESC" if desc else " ORDER BY originator_version"
        if limit is not None:
            query += " LIMIT %s"
            params.append(limit)
        return [StoredEvent(*row) for row in self._select(query, params)]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return None
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            assert conn.autocommit  # the one statement is its own transaction
            fence = CURRENT_FENCE.get()
            if fence is not None:
                fence.begin_write()  # not once the request was answered 503
            outcome = FenceState.OPEN
            try:
                curs.execute(
                    self.append_statement,
                    (
                        [e.originator_id for e in stored_events],
                        [e.originator_version for e in stored_events],
                        [e.topic for e in stored_events],
                        [e.state for e in stored_events],
                    ),
                )
                ids = [row[0] for row in curs.fetchall()]
                outcome = FenceState.WRITTEN
            except (psycopg.OperationalError, psycopg.InterfaceError) as lost:
                if fence is None:
                    raise
                outcome = FenceState.UNKNOWN  # sent, and no answer: it may have committed
                raise WriteOutcomeUnknown(str(lost)) from lost
            finally:
                if fence is not None:
                    fence.end_write(outcome)
        if len(ids) != len(stored_events):
            raise ProgrammingError(f"got {len(ids)} notification ids for {len(stored_events)}")
        return ids


RECORDER_TOPIC = f"{CareerflowRecorder.__module__}:{CareerflowRecorder.__qualname__}"
