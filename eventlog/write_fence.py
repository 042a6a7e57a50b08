"""A request's deadline and its write take turns, so a 503 means nothing was written.

The API answers 503 to a request still unanswered at its deadline; the request's
thread may still be retrying its save (PostgreSQL gone and coming back). Each
request that has a deadline carries a ``WriteFence`` (a context variable the
thread inherits): the recorder asks it before every attempt to write and tells it
when the write went through, and the deadline asks it before answering 503. Once
the deadline has passed no write starts; once a write has started the deadline
waits for its outcome, and once one went through the request is answered for real.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from enum import Enum


class WriteRefused(Exception):
    """The request's deadline passed (it was answered 503): this write must not happen."""


class WriteOutcomeUnknown(Exception):
    """The connection broke while the write was on its way: it may have been recorded."""


class FenceState(Enum):
    OPEN = "open"
    WRITING = "writing"
    WRITTEN = "written"
    UNKNOWN = "unknown"
    """The connection broke mid-write: the request must not claim nothing was written."""
    EXPIRED = "expired"


class WriteFence:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state = FenceState.OPEN

    def begin_write(self) -> None:
        """Before an attempt to write: refused once the deadline has passed, or after an
        attempt whose outcome is unknown (trying again could not tell either)."""
        with self._lock:
            if self.state is FenceState.UNKNOWN:
                raise WriteOutcomeUnknown("an earlier attempt may have been recorded")
            if self.state is FenceState.EXPIRED:
                raise WriteRefused("the request was answered 503 at its deadline")
            self.state = FenceState.WRITING

    def end_write(self, outcome: FenceState) -> None:
        """After an attempt: ``WRITTEN`` (answer for real), ``OPEN`` (nothing was written)
        or ``UNKNOWN`` (the connection broke on the way)."""
        with self._lock:
            self.state = outcome

    def expire(self) -> FenceState:
        """At the deadline: expire unless a write is under way or done; the state it found."""
        with self._lock:
            found = self.state
            if found is FenceState.OPEN:
                self.state = FenceState.EXPIRED
            return found


CURRENT_FENCE: ContextVar[WriteFence | None] = ContextVar("careerflow_write_fence", default=None)
"""The fence of the request this thread serves (None: no deadline, e.g. a follower)."""
