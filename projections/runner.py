"""Run read models from the event log, exactly once.

Each batch of events is applied in one SQLAlchemy transaction together with the
read model's tracking position. The position only moves forward: a batch whose
position was already recorded (a replay after a crash between commit and
acknowledgement) updates no tracking row, and the transaction is rolled back,
so every event changes a read model exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Engine, MetaData, Table, Text, select, update
from sqlalchemy.dialects.postgresql import insert

from domain.application import CareerFlow
from projections.follower import Delivery, LogFollower


class AlreadyApplied(Exception):
    """The batch's position is not beyond the recorded one: nothing was changed."""


class ReadModel:
    """A read model: its tables and how one event changes them."""

    name: str = ""
    metadata: MetaData

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        raise NotImplementedError


tracking_metadata = MetaData()
projection_tracking = Table(
    "projection_tracking",
    tracking_metadata,
    Column("name", Text, primary_key=True),
    Column("position", BigInteger, nullable=False),
)


class SqlPosition:
    """A read model's position, kept in the same database as the read model."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name

    def position(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(projection_tracking.c.position).where(
                    projection_tracking.c.name == self.name
                )
            ).scalar()
        return int(value or 0)

    def record(self, position: int) -> None:  # positions move inside apply_batch
        raise NotImplementedError("read models record their position with their changes")


class ProjectionRunner:
    def __init__(self, app: CareerFlow, engine: Engine, model: ReadModel) -> None:
        self.app = app
        self.engine = engine
        self.model = model
        tracking_metadata.create_all(engine)
        model.metadata.create_all(engine)
        self.tracking = SqlPosition(engine, model.name)

    def apply_batch(self, batch: Sequence[Delivery]) -> None:
        """Apply the batch and move the position, in one transaction (or not at all)."""
        if not batch:
            return
        last = batch[-1].position
        with self.engine.begin() as conn:
            conn.execute(
                insert(projection_tracking)
                .values(name=self.model.name, position=0)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            moved = conn.execute(
                update(projection_tracking)
                .where(projection_tracking.c.name == self.model.name)
                .where(projection_tracking.c.position < batch[0].position)
                .values(position=last)
            )
            if moved.rowcount != 1:
                raise AlreadyApplied(f"{self.model.name} is already at or past {batch[0].position}")
            for delivery in batch:
                self.model.apply(conn, delivery.event, delivery.position)

    def run(self, stop: threading.Event, batch_size: int = 500) -> None:
        """Follow the log until ``stop`` is set."""
        with LogFollower(self.app, self.model.name, tracking=self.tracking) as follower:
            while not stop.is_set():
                self.apply_batch(follower.next_batch(batch_size, 0.2))

    def catch_up(self, batch_size: int = 500) -> int:
        """Apply everything already in the log, then return the position reached."""
        position = self.tracking.position()
        while True:
            notes = self.app.recorder.select_notifications(start=position + 1, limit=batch_size)
            if not notes:
                return position
            self.apply_batch([Delivery(self.app.mapper.to_domain_event(n), n.id) for n in notes])
            position = notes[-1].id
