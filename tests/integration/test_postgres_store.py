"""What only a real PostgreSQL can show: transactions, concurrent writers, stored formats."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from application.personal_data import saving
from application.service import CareerFlow
from domain import case_events as ev
from domain import errors
from domain.case import Phase
from domain.commands import AcceptMeeting, HoldMeeting, RequestMeeting, RequestPeerFeedback
from domain.plan_commands import ApprovePlan, DraftPlan, HoldCheckIn, RecordGoalProgress, SubmitPlan
from domain.values import GoalProgress, PeerFeedback
from tests.factories import CYCLE_CLOSES, EMP, MGR, PEER, T0, at, participants, plan
from tests.integration.test_application_contract import new_cycle

SqlConn = psycopg.Connection[tuple[Any, ...]]


def events_table(app: CareerFlow) -> str:
    return f"{app.name.lower()}_events"


def test_opening_a_cycle_saves_cases_in_batches_not_one_transaction_each(
    pg_app: CareerFlow, sql: SqlConn
) -> None:
    cycle_id = uuid4()
    pg_app.create_cycle(
        cycle_id=cycle_id, name="Big", opens_at=T0, closes_at=CYCLE_CLOSES, actor="hr", at=T0
    )
    people = [participants(employee=f"e{i:05d}", manager=f"m{i % 40}") for i in range(1200)]
    seen: list[int] = []
    result = pg_app.open_cycle(
        cycle_id, population=people, actor="hr", at=T0, batch_size=500, progress=seen.append
    )
    assert result.changed == 1200
    assert seen == [500, 500, 200]
    case_ids = [pg_app.case_for(cycle_id, p.employee_id).id for p in people[:1]]
    assert pg_app.get_case(case_ids[0]).manager_id == "m0"
    # Rows written by one transaction share its xmin: three batches, three transactions.
    rows = sql.execute(
        f"SELECT count(*), count(DISTINCT xmin::text) FROM {events_table(pg_app)} WHERE topic = %s",
        ("domain.case:DevelopmentCase.CaseOpened",),
    ).fetchall()
    cases_by_tx = sql.execute(
        f"SELECT count(*) FROM {events_table(pg_app)} WHERE originator_id = %s",
        (cycle_id,),
    ).fetchone()
    assert cases_by_tx is not None
    assert cases_by_tx[0] == 1 + 1 + 3
    # other tests may have opened cases too; count only this cycle's cases' transactions
    txs = sql.execute(
        f"SELECT count(DISTINCT e.xmin::text) FROM {events_table(pg_app)} e "
        "WHERE e.originator_id = ANY(%s)",
        ([pg_app.case_for(cycle_id, p.employee_id).id for p in people],),
    ).fetchone()
    assert rows
    assert txs is not None
    assert txs[0] == 3


def test_an_interrupted_opening_resumes_without_a_second_case(
    pg_app: CareerFlow, pg_env: dict[str, str], sql: SqlConn
) -> None:
    cycle_id = uuid4()
    pg_app.create_cycle(
        cycle_id=cycle_id, name="Resume", opens_at=T0, closes_at=CYCLE_CLOSES, actor="hr", at=T0
    )
    people = [participants(employee=f"r{i}") for i in range(30)]
    # The first run dies after its first batch of 10 was committed.
    calls = 0

    def die_after_first_batch(_: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pg_app.open_cycle(
            cycle_id,
            population=people,
            actor="hr",
            at=T0,
            batch_size=10,
            progress=die_after_first_batch,
        )
    restarted = CareerFlow(env=pg_env)
    result = restarted.open_cycle(cycle_id, population=people, actor="hr", at=T0, batch_size=10)
    restarted.close()
    assert (result.changed, result.unchanged) == (20, 10)
    ids = [pg_app.case_for(cycle_id, p.employee_id).id for p in people]
    per_case = sql.execute(
        f"SELECT originator_id, count(*) FROM {events_table(pg_app)} "
        "WHERE originator_id = ANY(%s) GROUP BY originator_id",
        (ids,),
    ).fetchall()
    assert len(per_case) == 30
    assert {count for _, count in per_case} == {1}


def approved_case(app: CareerFlow) -> UUID:
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
    app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
    app.execute(case_id, HoldMeeting(held_at=at(10)), actor=MGR, at=at(10))
    app.execute(case_id, DraftPlan.of(plan()), actor=EMP, at=at(11))
    app.execute(case_id, SubmitPlan(), actor=EMP, at=at(12))
    app.execute(case_id, ApprovePlan(), actor=MGR, at=at(13))
    return case_id


def test_concurrent_writers_lose_nothing_and_conflicts_are_reported(
    pg_app: CareerFlow, pg_env: dict[str, str]
) -> None:
    case_id = approved_case(pg_app)
    start_version = pg_app.get_case(case_id).version
    # Two application instances stand for two processes; four threads share each.
    apps = [pg_app, CareerFlow(env=pg_env)]
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        app = apps[n % 2]
        barrier.wait()
        for i in range(15):
            try:
                app.execute(
                    case_id,
                    RecordGoalProgress.of(GoalProgress(goal_id="g1", percent=(n * 15 + i) % 101)),
                    actor=EMP if n % 2 else MGR,
                    at=at(20 + i),
                )
            except errors.ConcurrentWrite:
                result = "conflict"
            else:
                result = "acknowledged"
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    apps[1].close()
    stored = list(pg_app.events.get(case_id, gt=start_version))
    assert outcomes["acknowledged"] + outcomes["conflict"] == 120
    assert outcomes["conflict"] > 0, "8 writers on one case should clash at least once"
    assert len(stored) == outcomes["acknowledged"]
    assert [e.originator_version for e in stored] == list(
        range(start_version + 1, start_version + 1 + len(stored))
    )


def test_a_version_1_event_is_upcast_when_read(pg_app: CareerFlow, pg_env: dict[str, str]) -> None:
    case_id = pg_app.case_for(new_cycle(pg_app), EMP).id
    pg_app.execute(case_id, RequestPeerFeedback(peer_id=PEER), actor=EMP, at=at(1))
    case = pg_app.get_case(case_id)
    # Write the event the way version 1 of the class stored it: no 'anonymous' field.
    event = ev.PeerFeedbackReceived(  # type: ignore[call-arg]
        originator_id=case_id,
        originator_version=case.version + 1,
        timestamp=at(2),
        actor=PEER,
        idempotency_key=None,
        peer_id=PEER,
        feedback=PeerFeedback(strengths=["Great reviews"]),
        anonymous=False,
    )
    with saving({case_id: EMP}):
        current = pg_app.mapper.to_stored_event(event)
    row_format, state, sealed, subject = json.loads(current.state)
    assert (row_format, list(sealed), subject) == (3, [EMP], EMP)  # the feedback is ada's
    state["feedback"] = event.feedback.model_dump(mode="json")  # clear, as version 1 was
    assert state.pop("class_version") == 2
    del state["anonymous"]
    v1 = StoredEvent(
        originator_id=current.originator_id,
        originator_version=current.originator_version,
        topic=current.topic,
        state=json.dumps([2, state]).encode(),
    )
    pg_app.recorder.insert_events([v1])

    (read_back,) = pg_app.events.get(case_id, gt=case.version)
    assert read_back.anonymous is False  # type: ignore[attr-defined]
    fresh = CareerFlow(env=pg_env)
    reloaded = fresh.get_case(case_id)
    fresh.close()
    assert reloaded.peer_feedback[PEER] == PeerFeedback(strengths=["Great reviews"])


def test_events_are_in_the_notification_log_in_commit_order(pg_app: CareerFlow) -> None:
    before = pg_app.recorder.max_notification_id() or 0
    case_id = approved_case(pg_app)
    notifications = pg_app.recorder.select_notifications(start=before + 1, limit=1000)
    mine = [n for n in notifications if n.originator_id == case_id]
    assert [n.originator_version for n in mine] == list(range(1, 8))
    assert mine[-1].topic.endswith("DevelopmentCase.PlanApproved")
    assert pg_app.get_case(case_id).phase is Phase.PLAN_APPROVED


def test_a_second_process_sees_what_the_first_wrote(
    pg_app: CareerFlow, pg_env: dict[str, str]
) -> None:
    case_id = approved_case(pg_app)
    other = CareerFlow(env=pg_env)
    try:
        assert vars(other.get_case(case_id)) == vars(pg_app.get_case(case_id))
        other.execute(case_id, HoldCheckIn(notes="n"), actor=MGR, at=at(40))
        assert pg_app.get_case(case_id).check_ins_held == 1
        assert pg_app.get_case(case_id).policy.meeting_notice == timedelta(days=7)
    finally:
        other.close()
