"""Follow the event log from a tracked position: the one mechanism behind every follower.

The relay (events → Temporal signals) and the read models both consume the
notification log in commit order, in batches, and record how far they got so a
restart resumes exactly there. eventsourcing provides the pieces — a LISTEN/NOTIFY
subscription (``ApplicationSubscription``) and a tracking table
(``PostgresTrackingRecorder``) — and this module puts them together once.

A follower that writes its results in the same transaction as its position gets
exactly-once processing; one that talks to another system (the relay) gets
at-least-once, and its receivers drop event ids they have already seen.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresTrackingRecorder
from eventsourcing.projection import ApplicationSubscription

from domain.application import CareerFlow


@dataclass(frozen=True)
class Delivery:
    """A domain event with its position (notification id) in the log."""

    event: Any
    position: int


class Position(Protocol):
    """Where a follower reads (and, for at-least-once followers, records) its position."""

    def position(self) -> int: ...

    def record(self, position: int) -> None: ...


class TrackingStore:
    """Where a follower keeps its position: eventsourcing's single-row tracking table."""

    def __init__(self, app: CareerFlow, follower_name: str) -> None:
        recorder = app.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            raise TypeError("following the log needs the PostgreSQL event store")
        self.application_name = app.name
        self.recorder = PostgresTrackingRecorder(
            recorder.datastore, tracking_table_name=f"{follower_name}_tracking"
        )
        self.recorder.create_table()

    def position(self) -> int:
        return self.recorder.max_tracking_id(self.application_name) or 0

    def record(self, position: int) -> None:
        """Move forward to ``position`` (never backwards)."""
        if position > self.position():
            self.recorder.insert_tracking(Tracking(self.application_name, position))


class LogFollower:
    """Deliver the log after the tracked position, in batches, as it grows.

    A background thread reads the subscription (which blocks on LISTEN/NOTIFY
    when caught up) into a bounded queue; ``next_batch`` takes what is there.
    """

    def __init__(
        self,
        app: CareerFlow,
        name: str,
        *,
        topics: Sequence[str] = (),
        buffer: int = 5_000,
        tracking: Position | None = None,
    ) -> None:
        self.app = app
        self.name = name
        self.topics = tuple(topics)
        self.tracking: Position = tracking or TrackingStore(app, name)
        self._queue: queue.Queue[Delivery | BaseException] = queue.Queue(maxsize=buffer)
        self._stopping = threading.Event()
        self._subscription: ApplicationSubscription[Any] | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._subscription = ApplicationSubscription(
            self.app, gt=self.tracking.position(), topics=self.topics
        )
        self._thread = threading.Thread(
            target=self._read, name=f"{self.name}-follower", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        if self._subscription is not None:
            self._subscription.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _read(self) -> None:
        assert self._subscription is not None
        try:
            for event, tracking in self._subscription:
                delivery = Delivery(event=event, position=tracking.notification_id)
                while not self._stopping.is_set():
                    try:
                        self._queue.put(delivery, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self._stopping.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            if not self._stopping.is_set():
                self._queue.put(exc)

    def next_batch(self, max_size: int = 500, timeout: float = 0.5) -> list[Delivery]:
        """Up to ``max_size`` deliveries; waits at most ``timeout`` for the first one."""
        try:
            first = self._queue.get(timeout=timeout)
        except queue.Empty:
            return []
        items = [first]
        while len(items) < max_size:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        for item in items:
            if isinstance(item, BaseException):
                raise item
        return [i for i in items if isinstance(i, Delivery)]

    def record(self, position: int) -> None:
        self.tracking.record(position)
