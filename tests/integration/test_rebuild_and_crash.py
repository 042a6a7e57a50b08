"""Read models converge on the log: after a rebuild beside the live version, and after
the projector process is killed (SIGKILL) in the middle of its work."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from sqlalchemy import Engine, select, text

from application.service import CareerFlow
from careerflow.binaries import careerflow_process
from careerflow.settings import Settings
from domain.base import SYSTEM_ACTOR
from domain.commands import AcceptMeeting, AddActionItem, HoldMeeting, RequestMeeting
from domain.timer_commands import EscalateItem, MarkItemOverdue
from domain.values import Rung
from projections.case_status import case_status
from projections.catalog import read_models
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner, live_version, projection_tracking
from tests.factories import EMP, MGR, at, item_spec
from tests.integration.test_application_contract import new_cycle, walk_every_step


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read model's views, in a stable order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for model in read_models():
            for view in model.views().values():
                found[view.name] = sorted((tuple(r) for r in conn.execute(select(view))), key=repr)
    return found


def activity(app: CareerFlow, employees: int) -> None:
    cycle = new_cycle(app, *(f"e{i}" for i in range(employees)))
    for i in range(0, employees, 3):
        case = app.case_for(cycle, f"e{i}").id
        app.execute(case, RequestMeeting(proposed_for=at(10)), actor=f"e{i}", at=at(1))
    first = app.case_for(cycle, "e0").id
    app.execute(first, AcceptMeeting(), actor=MGR, at=at(2))
    app.execute(first, HoldMeeting(held_at=at(10)), actor=MGR, at=at(10))
    item = app.execute(
        first, AddActionItem.of(item_spec(owner="e0")), actor="e0", at=at(10.5)
    ).created[0]
    app.execute(item.id, MarkItemOverdue(), actor=SYSTEM_ACTOR, at=at(41))
    app.execute(
        item.id, EscalateItem(rung=Rung.MANAGER, reason="late"), actor=SYSTEM_ACTOR, at=at(43)
    )


def test_a_rebuilt_read_model_equals_the_incrementally_built_one(
    fresh_app: CareerFlow, engine: Engine
) -> None:
    app = fresh_app
    runners = [ProjectionRunner(app, engine, model) for model in read_models()]
    case_id = app.case_for(new_cycle(app), EMP).id
    for runner in runners:
        runner.catch_up(batch_size=3)
    walk_every_step(app, case_id)  # arrives after the first pass: followed incrementally
    activity(app, 30)
    for runner in runners:
        runner.catch_up(batch_size=7)
    incremental = snapshot(engine)
    assert len(incremental["case_status"]) == 31
    assert incremental["commitment_ledger"], "the ledger saw goals and action items"

    for model in read_models():
        assert rebuild(app, engine, model, batch_size=11) == 2
    assert snapshot(engine) == incremental
    with engine.connect() as conn:
        assert live_version(conn, "case_status") == 2
        tables = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        )
        names = {row.name for row in conn.execute(select(projection_tracking))}
    assert "case_status_v2" in tables
    assert "case_status_v1" not in tables, "the retired version is dropped"
    assert "case_status_v1" not in names

    # a runner still on version 1 moves to the live version instead of failing
    later = app.case_for(new_cycle(app, "late"), "late").id
    app.execute(later, RequestMeeting(proposed_for=at(10)), actor="late", at=at(1))
    stale = runners[0]
    assert stale.model.version == 1
    stale.catch_up()
    assert stale.model.version == 2
    with engine.connect() as conn:
        phase = conn.execute(
            select(case_status.c.phase).where(case_status.c.case_id == later)
        ).scalar()
    assert phase == "meeting_requested"


def test_a_projector_killed_mid_batch_converges_on_the_log_after_a_restart(
    fresh_settings: Settings, fresh_app: CareerFlow, engine: Engine
) -> None:
    app = fresh_app
    assert fresh_settings.database_url is not None
    cycle = new_cycle(app, *(f"e{i}" for i in range(3000)))
    for i in range(0, 3000, 10):
        app.execute(
            app.case_for(cycle, f"e{i}").id,
            RequestMeeting(proposed_for=at(10)),
            actor=f"e{i}",
            at=at(1),
        )
    head = app.recorder.max_notification_id()
    assert head is not None
    env = os.environ | {
        "DATABASE_URL": fresh_settings.database_url,
        "CAREERFLOW_DB_SCHEMA": fresh_settings.db_schema,
    }

    def position() -> int:
        with engine.connect() as conn:
            try:
                value = conn.execute(
                    select(projection_tracking.c.position).where(
                        projection_tracking.c.name == "case_status_v1"
                    )
                ).scalar()
            except Exception:
                return 0
        return int(value or 0)

    with careerflow_process("projector", env) as projector:
        deadline = time.monotonic() + 60
        while position() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        projector.send_signal(signal.SIGKILL)
        projector.wait()
    killed_at = position()
    assert 0 < killed_at < head, "killed part-way through the backlog"

    with careerflow_process("projector", env):
        deadline = time.monotonic() + 120
        while position() < head and time.monotonic() < deadline:
            time.sleep(0.1)
    assert position() == head
    with engine.connect() as conn:
        rows = conn.execute(select(case_status.c.employee_id, case_status.c.phase)).all()
    assert len(rows) == 3000
    requested = {e for e, phase in rows if phase == "meeting_requested"}
    assert requested == {f"e{i}" for i in range(0, 3000, 10)}
