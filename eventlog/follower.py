"""Follow the event log from a tracked position: the one mechanism behind every follower.

The relay (events → Temporal signals), the notifier and the read models all consume the
notification log in commit order, in batches, and record how far they got so a
restart resumes exactly there. eventsourcing provides the pieces — the recorder's
``select_notifications`` and NOTIFY, and a tracking table (``PostgresTrackingRecorder``)
— and this module puts them together once.

A follower that writes its results in the same transaction as its position gets
exactly-once processing; one that talks to another system (the relay) gets
at-least-once, and its receivers drop event ids they have already seen.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from application.service import CareerFlow
from eventlog import follower_metrics


@dataclass(frozen=True)
class Delivery:
    """A domain event with its position (notification id) in the log."""

    event: Any
    position: int


class Position(Protocol):
    """Where a follower starts reading: the last position it has fully handled."""

    def position(self) -> int: ...


def read_after(
    app: CareerFlow, position: int, limit: int, topics: Sequence[str] = ()
) -> list[Delivery]:
    """Up to ``limit`` events after ``position``, in commit order (the one way to read the log).

    The follower, the read-model runner's catch-up and the rebuild all read through
    here; the recorder retries a dropped connection before giving up.
    """
    notes = app.recorder.select_notifications(
        start=position, limit=limit, topics=topics, inclusive_of_start=False
    )
    return [Delivery(app.mapper.to_domain_event(n), n.id) for n in notes]


def postgres_recorder(app: CareerFlow) -> PostgresApplicationRecorder:
    """The PostgreSQL recorder (followers keep their state beside the events)."""
    recorder = app.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        raise TypeError("following the log needs the PostgreSQL event store")
    return recorder


class TrackingStore:
    """An at-least-once follower's position: eventsourcing's single-row tracking table."""

    def __init__(self, app: CareerFlow, follower_name: str) -> None:
        recorder = postgres_recorder(app)
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
    """Deliver the log after a position, in batches, as it grows.

    A background thread reads with ``read_after`` into a bounded queue and, once
    caught up, waits for the recorder's NOTIFY (LISTEN on the events table's
    channel, registered before the first read so no wake-up is lost) or half a
    second, whichever comes first. ``next_batch`` takes what is queued.
    """

    def __init__(
        self,
        app: CareerFlow,
        name: str,
        *,
        tracking: Position,
        topics: Sequence[str] = (),
        buffer: int = 5_000,
        read_size: int = 1_000,
    ) -> None:
        self.app = app
        self.name = name
        self.topics = tuple(topics)
        self.tracking = tracking
        self.read_size = read_size
        self._queue: queue.Queue[Delivery | BaseException] = queue.Queue(maxsize=buffer)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._behind = 0
        """Events after the last read, known only when that read was a full one."""

    def __enter__(self) -> Self:
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
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _put(self, delivery: Delivery) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(delivery, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        recorder = self.app.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        try:
            with recorder.datastore.get_connection() as listener:
                listener.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
                listener.commit()
                position = self.tracking.position()
                while not self._stopping.is_set():
                    batch = read_after(self.app, position, self.read_size, self.topics)
                    for delivery in batch:
                        if not self._put(delivery):
                            return
                    if batch:
                        position = batch[-1].position
                        full = len(batch) == self.read_size
                        head = recorder.max_notification_id() if full else None
                        self._behind = max((head or position) - position, 0)
                        continue
                    self._behind = 0
                    for _ in listener.notifies(timeout=0.5, stop_after=1):
                        pass
        except BaseException as exc:  # handed to the consumer, which re-raises it
            if not self._stopping.is_set():
                self._queue.put(exc)

    def next_batch(self, max_size: int = 500, timeout: float = 0.5) -> list[Delivery]:
        """Up to ``max_size`` deliveries; waits at most ``timeout`` for the first one."""
        try:
            first = self._queue.get(timeout=timeout)
        except queue.Empty:
            self._observe([])
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
        batch = [i for i in items if isinstance(i, Delivery)]
        self._observe(batch)
        return batch

    def _observe(self, batch: list[Delivery]) -> None:
        """Lag metrics: what is still queued or unread, and how old this batch's first event is."""
        behind = self._queue.qsize() + self._behind
        follower_metrics.LAG_EVENTS.labels(self.name).set(behind)
        age = 0.0
        if batch:
            follower_metrics.POSITION.labels(self.name).set(batch[-1].position)
            follower_metrics.HANDLED.labels(self.name).inc(len(batch))
            stamp = getattr(batch[0].event, "timestamp", None)
            if isinstance(stamp, datetime):
                age = max((datetime.now(UTC) - stamp).total_seconds(), 0.0)
        follower_metrics.LAG_SECONDS.labels(self.name).set(age if batch or behind else 0.0)
