"""Run read models from the event log, exactly once, in versions that can be rebuilt.

Each batch of events is applied in one SQLAlchemy transaction together with the
read model's tracking position. The position only moves forward: a batch whose
position was already recorded (a replay after a crash between commit and
acknowledgement) updates no tracking row, and the transaction is rolled back,
so every event changes a read model exactly once.

Versions: a read model's tables are named ``<table>_v<n>``, and readers query a
view named ``<table>`` that points at the live version (``projection_versions``).
A rebuild (``rebuild.py``) fills version n+1 from the start of the log beside the
live one, then swaps the views in one transaction. A runner checks, in each batch's
transaction, that its version is still live (sharing a row lock with the swap), so
after a swap it moves to the new version and never writes to retired tables.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, Self

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert

from application.service import CareerFlow
from domain.case_events import CaseOpened
from eventlog.backoff import Backoff
from eventlog.follower import Delivery, LogFollower, read_after
from eventlog.set_aside import SetAside, handle_guarded, retry_requested
from eventlog.setup_lock import schema_setup
from eventlog.topics import topics_of

log = logging.getLogger("careerflow.projections")


class AlreadyApplied(Exception):
    """The batch's position is not beyond the recorded one: nothing was changed."""


class VersionRetired(Exception):
    """A rebuild replaced this version of the read model; the runner must move on."""


class ReadModel:
    """A read model: its tables (by the view names readers use) and how one event changes them."""

    name: ClassVar[str] = ""
    events: ClassVar[frozenset[type]] = frozenset()
    """The event classes the runner reads from the log for it (empty: every event). The
    models that have no use for the roster leave its imports out, so a 100,000-person
    import is not decoded five times over in the projector."""

    @classmethod
    def topics(cls) -> tuple[str, ...]:
        """What the runner asks the log for: ``events``, and whatever the model handles
        (a step declared after this module was imported included)."""
        return topics_of(cls.events | cls.handled())

    @classmethod
    def handled(cls) -> frozenset[type]:
        """The events this model acts on, read from its own handler table (``apply``
        passes over the rest); ``tests/unit/test_subscriptions.py`` holds every event
        to being acted on by some consumer or kept for the audit trail alone."""
        raise NotImplementedError

    def __init__(self, version: int = 1) -> None:
        self.version = version
        self.metadata = MetaData()
        self.tables = self.define(self.metadata, f"_v{version}")

    @classmethod
    def define(cls, metadata: MetaData, suffix: str) -> dict[str, Table]:
        """The model's tables, keyed by view name, each named view name + ``suffix``."""
        raise NotImplementedError

    @classmethod
    def views(cls) -> dict[str, Table]:
        """Table objects for reading: they name the views, which follow the live version."""
        return cls.define(MetaData(), "")

    @property
    def tracking_name(self) -> str:
        return f"{self.name}_v{self.version}"

    def with_version(self, version: int) -> Self:
        return type(self)(version)

    def erase(self, conn: Connection, aggregate_id: Any) -> None:
        """Scrub the personal strings of one case (or, the roster's, one person) from this
        model's tables: an erasure's event comes after all the data it erases in the log."""

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        raise NotImplementedError

    def apply_all(self, conn: Connection, batch: Sequence[Delivery]) -> None:
        """Apply a batch in order; each run of opened cases goes to ``apply_opened`` whole."""
        for opened, run in itertools.groupby(batch, key=lambda d: isinstance(d.event, CaseOpened)):
            deliveries = list(run)
            if opened:
                self.apply_opened(conn, deliveries)
            else:
                for delivery in deliveries:
                    self.apply(conn, delivery.event, delivery.position)

    def apply_opened(self, conn: Connection, deliveries: list[Delivery]) -> None:
        """Opened cases, in order; models write them many rows per statement (a cycle opens
        thousands at once)."""
        for delivery in deliveries:
            self.apply(conn, delivery.event, delivery.position)


tracking_metadata = MetaData()
projection_tracking = Table(
    "projection_tracking",
    tracking_metadata,
    Column("name", Text, primary_key=True),
    Column("position", BigInteger, nullable=False),
)
projection_versions = Table(
    "projection_versions",
    tracking_metadata,
    Column("name", Text, primary_key=True),
    Column("live_version", Integer, nullable=False),
)


def live_version(conn: Connection, name: str, *, lock: str | None = None) -> int | None:
    query = select(projection_versions.c.live_version).where(projection_versions.c.name == name)
    if lock == "share":
        query = query.with_for_update(read=True)
    elif lock == "update":
        query = query.with_for_update()
    value = conn.execute(query).scalar()
    return None if value is None else int(value)


def point_views(conn: Connection, model: ReadModel) -> None:
    """Make the model's views show this version (in the caller's transaction)."""
    for view, table in model.tables.items():
        kind = conn.execute(
            text(
                "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relname = :name AND n.nspname = current_schema()"
            ),
            {"name": view},
        ).scalar()
        if kind in ("r", "p"):  # an unversioned table from before versions existed
            conn.execute(text(f'DROP TABLE "{view}" CASCADE'))
            conn.execute(
                projection_tracking.delete().where(projection_tracking.c.name == model.name)
            )
        conn.execute(text(f'DROP VIEW IF EXISTS "{view}"'))
        conn.execute(text(f'CREATE VIEW "{view}" AS SELECT * FROM "{table.name}"'))


def install(engine: Engine, model: ReadModel) -> ReadModel:
    """Create the tracking tables and the live version's tables and views; return the live one."""
    with schema_setup(engine):
        return _install(engine, model)


def _install(engine: Engine, model: ReadModel) -> ReadModel:
    tracking_metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(projection_versions)
            .values(name=model.name, live_version=model.version)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        live = live_version(conn, model.name, lock="update")
        assert live is not None
        if live != model.version:
            model = model.with_version(live)
        model.metadata.create_all(conn)
        point_views(conn, model)
    return model


class SqlPosition:
    """A read model version's position, kept in the same database as the read model.

    It only moves inside ``apply_batch_in``, in the transaction of the batch's changes.
    """

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


class ProjectionRunner:
    """Applies the log to one read model; ``building`` runs a version that is not live yet."""

    def __init__(
        self, app: CareerFlow, engine: Engine, model: ReadModel, *, building: bool = False
    ) -> None:
        self.app = app
        self.engine = engine
        self.building = building
        if building:
            tracking_metadata.create_all(engine)
            model.metadata.create_all(engine)
        else:
            model = install(engine, model)
        self.model = model
        self.tracking = SqlPosition(engine, model.tracking_name)

    def apply_batch(self, batch: Sequence[Delivery]) -> None:
        """Apply the batch and move the position, in one transaction (or not at all)."""
        if not batch:
            return
        with self.engine.begin() as conn:
            if not self.building:
                live = live_version(conn, self.model.name, lock="share")
                if live != self.model.version:
                    raise VersionRetired(f"{self.model.tracking_name} was replaced by {live}")
            self.apply_batch_in(conn, batch)

    def apply_batch_in(self, conn: Connection, batch: Sequence[Delivery]) -> None:
        """Apply the batch and move the position inside the caller's transaction."""
        name = self.model.tracking_name
        self._move_position(conn, name, batch[0].position, batch[-1].position)
        self.model.apply_all(conn, batch)

    @staticmethod
    def _move_position(conn: Connection, name: str, first: int, last: int) -> None:
        """Move the position to ``last``, if it is still before ``first`` (else: applied)."""
        conn.execute(
            insert(projection_tracking)
            .values(name=name, position=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        moved = conn.execute(
            update(projection_tracking)
            .where(projection_tracking.c.name == name)
            .where(projection_tracking.c.position < first)
            .values(position=last)
        )
        if moved.rowcount != 1:
            raise AlreadyApplied(f"{name} is already at or past {first}")

    def _move_to_live(self) -> None:
        self.model = install(self.engine, self.model)
        self.tracking = SqlPosition(self.engine, self.model.tracking_name)

    def skip(self, delivery: Delivery) -> None:
        """Move the position past an event set aside (nothing of it is applied)."""
        with self.engine.begin() as conn:
            self._move_position(
                conn, self.model.tracking_name, delivery.position, delivery.position
            )

    def apply_set_aside(self, delivery: Delivery) -> None:
        """Apply an event set aside earlier (the position is already past it)."""
        with self.engine.begin() as conn:
            self.model.apply_all(conn, [delivery])

    def run(self, stop: threading.Event, batch_size: int = 500) -> None:
        """Follow the log until ``stop`` is set; never stopped for good by one event.

        It moves to a rebuilt version when one goes live; an event that keeps failing is
        set aside (``eventlog.set_aside``); an outage is waited out with backoff; any
        other failure is logged and the runner starts again from its position.
        """
        backoff = Backoff()
        while not stop.is_set():
            try:
                set_aside = SetAside(self.app, self.model.name)
                with LogFollower(
                    self.app,
                    self.model.tracking_name,
                    tracking=self.tracking,
                    topics=self.model.topics(),
                ) as follower:
                    while not stop.is_set():
                        retry_requested(self.app, set_aside, self.apply_set_aside)
                        batch = follower.next_batch(batch_size, 0.2)
                        if batch:
                            handle_guarded(
                                batch,
                                handle_batch=self.apply_batch,
                                handle_one=lambda d: self.apply_batch([d]),
                                skip=self.skip,
                                set_aside=set_aside,
                                passes=(VersionRetired, AlreadyApplied),
                            )
                        backoff.reset()
            except VersionRetired:
                self._move_to_live()
            except AlreadyApplied:
                continue  # another runner got there first: follow on from its position
            except Exception as exc:
                pause = backoff.pause()
                log.warning(
                    "%s stopped (%s); starting again in %.1f s", self.model.name, exc, pause
                )
                stop.wait(pause)

    def catch_up(self, batch_size: int = 500) -> int:
        """Apply everything already in the log, then return the position reached."""
        while True:
            try:
                return self._catch_up(batch_size)
            except VersionRetired:
                self._move_to_live()
            except AlreadyApplied:
                continue  # a projector running beside us got there first

    def _catch_up(self, batch_size: int) -> int:
        """Batch after batch; the next one is read (and decoded) while this one is written."""
        position = self.tracking.position()
        topics = self.model.topics()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="catch-up-read") as reader:
            ahead = reader.submit(read_after, self.app, position, batch_size, topics)
            while True:
                batch = ahead.result()
                if not batch:
                    return position
                ahead = reader.submit(read_after, self.app, batch[-1].position, batch_size, topics)
                self.apply_batch(batch)
                position = batch[-1].position
