"""Rebuild a read model from the start of the log without stopping anyone.

Version n+1 is filled beside the live version n (its own tables, its own tracking
position) while readers keep reading n and runners keep updating it. When n+1 has
caught up, one transaction takes the version row's lock (runners share it for each
batch), applies whatever arrived since, points the views at n+1 and makes it live.
The tables of n are dropped afterwards; runners still on n notice in their next
batch and move to n+1.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text

from application.service import CareerFlow
from eventlog.follower import read_after
from projections.runner import (
    ProjectionRunner,
    ReadModel,
    install,
    live_version,
    point_views,
    projection_tracking,
    projection_versions,
)

Progress = Callable[[int, int], None]
"""Called with (position reached, head of the log) as the new version fills."""


def _drop(engine: Engine, model: ReadModel) -> None:
    with engine.begin() as conn:
        for table in model.tables.values():
            conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        conn.execute(
            projection_tracking.delete().where(projection_tracking.c.name == model.tracking_name)
        )


def rebuild(
    app: CareerFlow,
    engine: Engine,
    model: ReadModel,
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> int:
    """Build a new version of ``model``'s read model and make it live; return its version."""
    live = install(engine, model)
    new = live.with_version(live.version + 1)
    _drop(engine, new)  # left over from an interrupted rebuild
    builder = ProjectionRunner(app, engine, new, building=True)
    while True:
        head = app.recorder.max_notification_id() or 0
        reached = builder.catch_up(batch_size)
        if progress is not None:
            progress(reached, head)
        with engine.begin() as conn:
            current = live_version(conn, new.name, lock="update")  # runners wait from here
            position = builder.tracking.position()
            tail = read_after(app, position, batch_size + 1, new.topics())
            if len(tail) > batch_size:
                continue  # still far behind: catch up again without holding the lock
            if tail:
                builder.apply_batch_in(conn, tail)
            point_views(conn, new)
            conn.execute(
                projection_versions.update()
                .where(projection_versions.c.name == new.name)
                .values(live_version=new.version)
            )
        if current is not None and current != new.version:
            _drop(engine, live.with_version(current))
        return new.version
