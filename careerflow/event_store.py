"""The PostgreSQL recorder careerflow uses: eventsourcing's, minus one deadlock.

eventsourcing writes each transaction through psycopg's pipeline mode. When a
transaction carries a large payload (a batch of 500 new cases is about 500 kB),
the pipeline can stall for good over a Unix socket: the server waits for the rest
of the statement, the client waits in ``sync()`` (psycopg issue #685 describes the
family). The embedded PostgreSQL is reached over a Unix socket, so opening a large
cycle hung there. Large writes therefore go statement by statement; small ones
(every ordinary command) keep the pipeline's single round trip. The table lock
that keeps notification ids in commit order is taken either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

PIPELINE_LIMIT_BYTES = 64 * 1024
"""Writes whose event states add up to more than this skip the pipeline."""


class CareerflowRecorder(PostgresApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if sum(len(e.state) for e in stored_events) <= PIPELINE_LIMIT_BYTES:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)


RECORDER_TOPIC = f"{CareerflowRecorder.__module__}:{CareerflowRecorder.__qualname__}"
