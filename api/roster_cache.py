"""The roster every request reads, without a query or a thread per request.

Each request checks its caller against the roster. Asking the event store each
time cost a database round trip and, worse, a hop to a worker thread (FastAPI
runs blocking dependencies on threads, and each hop waits for the interpreter
lock). So the roster a request reads is the one this process last caught up,
if that was less than ``max_age`` ago and no import has happened in this process
since; otherwise the request catches it up (one query for newer events, no copy).
An import by another process is seen within ``max_age`` (50 ms).
"""

from __future__ import annotations

import time

from application.service import CareerFlow
from domain.roster import Roster


class RosterCache:
    def __init__(self, application: CareerFlow, max_age: float = 0.05) -> None:
        self.application = application
        self.max_age = max_age
        self._roster: Roster | None = None
        self._until = 0.0
        self._imports_seen = -1

    def fresh(self) -> Roster | None:
        """The roster, if it is recent enough to answer from memory."""
        if (
            self._roster is not None
            and time.monotonic() < self._until
            and self._imports_seen == self.application.roster_writes
        ):
            return self._roster
        return None

    def refresh(self) -> Roster:
        """Catch up with the event store (blocking: call it from a worker thread)."""
        imports = self.application.roster_writes
        roster = self.application.get_roster()
        self._roster, self._imports_seen = roster, imports
        self._until = time.monotonic() + self.max_age
        return roster
