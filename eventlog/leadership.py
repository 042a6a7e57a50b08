"""One active instance of a follower: a PostgreSQL advisory lock held by a session.

The relay, the notifier and the projector may each run as several replicas; only
the replica holding the follower's lock works, the others wait as hot standbys and
try for it every ``poll`` seconds. The lock belongs to a database session: when the
active process dies — even by ``kill -9`` — its connection closes, PostgreSQL ends
the session and releases the lock, and a standby takes over at its next try.

The active replica checks its lock connection every ``poll`` seconds. If it is gone
(PostgreSQL restarted, the network dropped) the lock may already be someone else's,
so it stops working and competes again. Two replicas can therefore overlap for at
most ``poll`` seconds after such a loss; that is harmless because every follower's
handling is idempotent (the projector's position is written with its rows, the
relay's workflows drop event ids they have seen, the notifier's inbox rows and
sent-message ledger are keyed by event and recipient). The lock is what keeps the
overlap rare and short, not what makes it correct.
"""

from __future__ import annotations

import contextlib
import logging

import psycopg

log = logging.getLogger(__name__)

KEY = "SELECT hashtextextended('careerflow follower ' || %s || ' ' || %s, 0)"


class Leadership:
    """Try for, hold and check one follower's lock on a connection of its own."""

    def __init__(self, url: str, schema: str, name: str, *, connect_timeout: int = 5) -> None:
        self.url = url
        self.schema = schema
        self.name = name
        self.connect_timeout = connect_timeout
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self.held = False

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; False (never an error) when it cannot."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    self.url,
                    autocommit=True,
                    connect_timeout=self.connect_timeout,
                    application_name=f"careerflow {self.name} leadership",
                )
            row = self._conn.execute(
                f"SELECT pg_try_advisory_lock(({KEY}))", (self.schema, self.name)
            ).fetchone()
        except psycopg.Error as exc:
            log.info("%s: cannot try for the lock (%s)", self.name, exc)
            self._drop()
            return False
        self.held = bool(row and row[0])
        return self.held

    def still_held(self) -> bool:
        """The lock's session is alive (so nobody else can hold the lock)."""
        if not self.held or self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error as exc:
            log.warning("%s: lost the lock's connection (%s)", self.name, exc)
            self._drop()
            return False
        return True

    def release(self) -> None:
        """Give the lock up at once (a standby takes over without waiting for a timeout)."""
        self._drop()

    def _drop(self) -> None:
        self.held = False
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
