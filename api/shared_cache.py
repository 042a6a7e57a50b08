"""The company-wide aggregates every request reads (the roster, the framework), from memory.

Each request checks its caller against the roster, and each case it answers with is
shown against the career framework. Asking the event store each time cost a
database round trip per aggregate (a third of a command's time for the framework
alone) and, for a dependency, a hop to a worker thread (FastAPI runs blocking
dependencies on threads, and each hop waits for the interpreter lock). So what a
request reads is what this process last caught up, if that was less than
``max_age`` ago and nothing was written to it in this process since; otherwise the
request catches it up (one query for newer events, no copy). A write by another
process is seen within ``max_age`` (50 ms).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedCache(Generic[T]):
    """One company-wide aggregate: ``load`` catches it up, ``writes`` counts this process's
    saves of it (a save here is seen at once)."""

    def __init__(
        self, load: Callable[[], T], writes: Callable[[], int], max_age: float = 0.05
    ) -> None:
        self.load = load
        self.writes = writes
        self.max_age = max_age
        self._value: T | None = None
        self._until = 0.0
        self._writes_seen = -1

    def fresh(self) -> T | None:
        """The aggregate, if it is recent enough to answer from memory."""
        if (
            self._value is not None
            and time.monotonic() < self._until
            and self._writes_seen == self.writes()
        ):
            return self._value
        return None

    def refresh(self) -> T:
        """Catch up with the event store (blocking: call it from a worker thread)."""
        writes = self.writes()
        value = self.load()
        self._value, self._writes_seen = value, writes
        self._until = time.monotonic() + self.max_age
        return value

    def get(self) -> T:
        """From memory while fresh, else caught up (blocking: from a worker thread)."""
        found = self.fresh()
        return found if found is not None else self.refresh()
