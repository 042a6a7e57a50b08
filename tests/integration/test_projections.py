"""Read models from the log, exactly once: the case-status table and its runner."""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, Engine, func, select

from application.service import CareerFlow
from domain.base import SYSTEM_ACTOR
from domain.commands import AcceptMeeting, HoldMeeting, RequestMeeting, ShareRecap
from domain.item_commands import CompleteActionItem, RescheduleActionItem
from domain.plan_commands import CloseCase
from domain.timer_commands import EscalateItem, MarkItemOverdue
from domain.values import Rung
from eventlog.follower import Delivery
from projections.action_item_status import ActionItems, action_items, overdue_days
from projections.case_status import CaseStatus, case_status
from projections.roster_people import RosterPeople, roster_people
from projections.runner import AlreadyApplied, ProjectionRunner
from tests.factories import EMP, MGR, at, company, item_spec, recap
from tests.integration.test_application_contract import new_cycle, walk_every_step


def row(engine: Engine, case_id: UUID) -> dict[str, Any]:
    with engine.connect() as conn:
        found = (
            conn.execute(select(case_status).where(case_status.c.case_id == case_id))
            .mappings()
            .one()
        )
    return dict(found)


def deliveries(app: CareerFlow) -> list[Delivery]:
    notes = app.recorder.select_notifications(start=1, limit=100_000)
    return [Delivery(app.mapper.to_domain_event(n), n.id) for n in notes]


@pytest.fixture
def walked(fresh_app: CareerFlow) -> UUID:
    """A case walked through every step of the process."""
    case_id = fresh_app.case_for(new_cycle(fresh_app), EMP).id
    walk_every_step(fresh_app, case_id)
    return case_id


def test_the_case_status_shows_every_milestone_as_the_log_says(
    fresh_app: CareerFlow, engine: Engine, walked: UUID
) -> None:
    app, case_id = fresh_app, walked
    app.execute(case_id, CloseCase(), actor="hr", at=at(300))
    runner = ProjectionRunner(app, engine, CaseStatus())
    position = runner.catch_up(batch_size=7)
    assert position == app.recorder.max_notification_id()
    status = row(engine, case_id)
    expected = {
        "employee_id": EMP, "manager_id": MGR, "phase": "closed", "outcome": "plan_approved",
        "opened_at": at(0), "self_assessed_at": at(1), "meeting_requested_at": at(2),
        "meeting_answered_at": at(3), "meeting_at": at(11), "held_at": at(11),
        "plan_submitted_at": at(15), "plan_late": False, "approved_at": at(16),
        "approval_late": False, "plan_version": 3, "check_ins_held": 1, "check_ins_missed": 0,
        "closed_at": at(300),
    }  # fmt: skip
    assert {k: status[k] for k in expected} == expected


def test_a_replayed_batch_changes_nothing(fresh_app: CareerFlow, engine: Engine) -> None:
    app = fresh_app
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
    runner = ProjectionRunner(app, engine, CaseStatus())
    batch = deliveries(app)
    runner.apply_batch(batch)
    before = row(engine, case_id)
    with pytest.raises(AlreadyApplied):
        runner.apply_batch(batch)
    with pytest.raises(AlreadyApplied):
        runner.apply_batch(batch[-1:])
    assert row(engine, case_id) == before
    assert runner.tracking.position() == batch[-1].position


class Crashing(CaseStatus):
    """Dies in the middle of a batch, as a killed projector would."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.left = after

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if self.left == 0:
            raise KeyboardInterrupt("killed")
        self.left -= 1
        super().apply(conn, event, position)


def test_a_crash_mid_batch_leaves_nothing_half_applied(
    fresh_app: CareerFlow, engine: Engine, walked: UUID
) -> None:
    app, case_id = fresh_app, walked
    crashing = ProjectionRunner(app, engine, Crashing(after=10))
    with pytest.raises(KeyboardInterrupt):
        crashing.catch_up(batch_size=50)
    assert crashing.tracking.position() == 0
    with engine.connect() as conn:
        assert conn.execute(select(case_status)).all() == []
    restarted = ProjectionRunner(app, engine, CaseStatus())
    restarted.catch_up(batch_size=50)
    status, case = row(engine, case_id), app.get_case(case_id)
    plan = case.approved_plan
    assert plan is not None
    assert (status["phase"], status["held_at"], status["approved_at"]) == (
        case.phase.value,
        case.held_at,
        plan.approved_at if plan.readjusted_from is None else case.plan_version(2).approved_at,
    )
    assert (status["plan_version"], status["check_ins_held"]) == (case.approved_version, 1)
    assert restarted.tracking.position() == app.recorder.max_notification_id()


def test_the_runner_follows_new_events_as_they_are_stored(
    fresh_app: CareerFlow, engine: Engine
) -> None:
    app = fresh_app
    case_id = app.case_for(new_cycle(app), EMP).id
    runner = ProjectionRunner(app, engine, CaseStatus())
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
        app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if row(engine, case_id)["phase"] == "meeting_scheduled":
                    break
            except Exception:
                pass
            time.sleep(0.05)
        assert row(engine, case_id)["phase"] == "meeting_scheduled"
        assert row(engine, case_id)["meeting_answer_late"] is False
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_action_items_show_owner_due_status_overdue_days_and_rung(
    fresh_app: CareerFlow, engine: Engine
) -> None:
    app = fresh_app
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
    app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
    app.execute(case_id, HoldMeeting(held_at=at(10)), actor=MGR, at=at(10))
    case = app.execute(
        case_id,
        ShareRecap.of(
            recap(item_spec(due=40), item_spec(owner=MGR, due=30, title="Intro to the guild"))
        ),
        actor=MGR,
        at=at(10),
    ).case
    late, done = case.action_item_ids
    app.execute(late, MarkItemOverdue(), actor=SYSTEM_ACTOR, at=at(40))
    app.execute(
        late, EscalateItem(rung=Rung.MANAGER, reason="overdue"), actor=SYSTEM_ACTOR, at=at(42)
    )
    app.execute(
        late, EscalateItem(rung=Rung.SKIP_LEVEL, reason="overdue"), actor=SYSTEM_ACTOR, at=at(45)
    )
    app.execute(done, CompleteActionItem(), actor=MGR, at=at(25))
    runner = ProjectionRunner(app, engine, ActionItems())
    runner.catch_up(batch_size=3)
    with engine.connect() as conn:
        rows = {r.item_id: r for r in conn.execute(select(action_items)).all()}
    assert (rows[late].owner_id, rows[late].status, rows[late].escalation_rung) == (EMP, "open", 2)
    assert rows[late].due_at == at(40)
    assert overdue_days(rows[late].overdue_since, at(47.5)) == 7
    assert (rows[done].owner_id, rows[done].status, rows[done].closed_at) == (
        MGR,
        "completed",
        at(25),
    )
    assert overdue_days(rows[done].overdue_since, at(47.5)) == 0

    app.execute(
        late, RescheduleActionItem(new_due_at=at(60), reason="Course moved"), actor=EMP, at=at(48)
    )
    runner.catch_up()
    with engine.connect() as conn:
        moved = conn.execute(select(action_items).where(action_items.c.item_id == late)).one()
    assert (moved.due_at, moved.overdue_since, moved.escalation_rung, moved.reschedules) == (
        at(60),
        None,
        0,
        1,
    )


def test_a_roster_of_a_hundred_thousand_people_reaches_the_read_model(
    fresh_app: CareerFlow, engine: Engine
) -> None:
    """One INSERT per import used to pass PostgreSQL's 65,535 parameters past ~9,400 people."""
    count = 100_000
    people = company(count)
    fresh_app.import_roster(people, source="big.csv", actor="hr", at=at(0))
    ProjectionRunner(fresh_app, engine, RosterPeople()).catch_up()
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(roster_people)).scalar()
    assert stored == count
