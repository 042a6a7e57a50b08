"""The application service's contract, run against every persistence backend.

The same tests run on eventsourcing's in-memory store and on PostgreSQL, so the
domain's behaviour does not depend on where events are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from application.service import CareerFlow
from domain import errors
from domain.base import SYSTEM_ACTOR
from domain.case import DevelopmentCase, Phase
from domain.commands import (
    AcceptMeeting,
    AddActionItem,
    GiveFeedback,
    GivePeerFeedback,
    HoldMeeting,
    ProposeGoal,
    RecordSelfAssessment,
    RequestMeeting,
    RequestPeerFeedback,
    RescheduleMeeting,
    ShareAgenda,
    ShareRecap,
)
from domain.item_commands import CancelActionItem, CompleteActionItem, RescheduleActionItem
from domain.plan_commands import (
    ApprovePlan,
    CloseCase,
    DraftPlan,
    HoldCheckIn,
    ReadjustGoal,
    RecordGoalProgress,
    RequestPlanChanges,
    SubmitPlan,
)
from domain.timer_commands import (
    EscalateCase,
    EscalateItem,
    MarkCheckInDue,
    MarkItemOverdue,
    RemindCase,
    RemindItem,
)
from domain.values import (
    ConversationFeedback,
    FeedbackPoint,
    GoalProgress,
    Party,
    PeerFeedback,
    Policy,
    Rung,
)
from tests.factories import (
    CYCLE_CLOSES,
    EMP,
    MGR,
    PEER,
    T0,
    agenda,
    at,
    goal,
    item_spec,
    open_cycle_with,
    participants,
    plan,
    recap,
    self_assessment,
)


@pytest.fixture(params=["popo", "postgres"])
def app(request: pytest.FixtureRequest) -> Iterator[CareerFlow]:
    if request.param == "popo":
        application = CareerFlow(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    else:
        application = CareerFlow(env=request.getfixturevalue("pg_env"))
    yield application
    application.close()


def new_cycle(app: CareerFlow, *employees: str, policy: Policy | None = None) -> UUID:
    people = [participants(employee=e) for e in employees or (EMP,)]
    return open_cycle_with(app, people, policy=policy, okr_planning_on=date(2026, 3, 2))


def stored(app: CareerFlow, case: DevelopmentCase) -> DevelopmentCase:
    """Rebuild the case from stored events only (bypassing the aggregate cache)."""
    rebuilt: DevelopmentCase = app.repository.get(case.id, version=case.version)
    return rebuilt


def walk_every_step(app: CareerFlow, case_id: UUID) -> DevelopmentCase:
    app.execute(case_id, RecordSelfAssessment.of(self_assessment()), actor=EMP, at=at(1))
    app.execute(case_id, ProposeGoal.of(goal()), actor=EMP, at=at(1))
    app.execute(case_id, RequestPeerFeedback(peer_id=PEER), actor=EMP, at=at(1))
    app.execute(
        case_id, GivePeerFeedback(feedback=PeerFeedback(strengths=["kind"])), actor=PEER, at=at(2)
    )
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(2))
    app.execute(
        case_id,
        RescheduleMeeting(new_time=at(11), reason="Offsite on the 10th"),
        actor=MGR,
        at=at(3),
    )
    app.execute(case_id, ShareAgenda.of(agenda()), actor=EMP, at=at(4))
    app.execute(case_id, HoldMeeting(held_at=at(11)), actor=MGR, at=at(11))
    app.execute(
        case_id,
        GiveFeedback.of(
            ConversationFeedback(strengths=[FeedbackPoint(point="Focus", example="Q1 launch")])
        ),
        actor=MGR,
        at=at(11),
    )
    app.execute(
        case_id,
        ShareRecap.of(recap(item_spec(due=40), item_spec(owner=MGR, due=30))),
        actor=MGR,
        at=at(11),
    )
    app.execute(case_id, DraftPlan.of(plan()), actor=EMP, at=at(12))
    app.execute(case_id, SubmitPlan(), actor=EMP, at=at(13))
    app.execute(case_id, RequestPlanChanges(comments="Add a mentor"), actor=MGR, at=at(14))
    app.execute(case_id, DraftPlan.of(plan(goal(), goal("g2"))), actor=EMP, at=at(15))
    app.execute(case_id, SubmitPlan(), actor=EMP, at=at(15))
    app.execute(case_id, ApprovePlan(), actor=MGR, at=at(16))
    app.execute(case_id, MarkCheckInDue(number=1, due_at=at(46)), actor=SYSTEM_ACTOR, at=at(46))
    app.execute(
        case_id,
        HoldCheckIn(notes="good start", progress=[GoalProgress(goal_id="g1", percent=25)]),
        actor=MGR,
        at=at(47),
    )
    app.execute(
        case_id, RecordGoalProgress.of(GoalProgress(goal_id="g2", percent=10)), actor=EMP, at=at(48)
    )
    app.execute(
        case_id,
        ReadjustGoal(
            goal=goal(specific="Run the monthly design review instead"), reason="New team rhythm"
        ),
        actor=EMP,
        at=at(49),
    )
    app.execute(case_id, ApprovePlan(), actor=MGR, at=at(50))  # the manager agrees
    return app.get_case(case_id)


def test_a_case_goes_through_every_step_and_is_rebuilt_from_storage(app: CareerFlow) -> None:
    cycle_id = new_cycle(app)
    case = walk_every_step(app, app.case_for(cycle_id, EMP).id)
    assert case.phase is Phase.PLAN_APPROVED
    assert case.approved_version == 3
    assert len(case.action_item_ids) == 2
    rebuilt = stored(app, case)
    assert vars(rebuilt) == vars(case)
    assert rebuilt.plan_version(2).plan == plan(goal(), goal("g2"))


def test_history_names_actor_event_time_version_and_payload(app: CareerFlow) -> None:
    cycle_id = new_cycle(app)
    case = walk_every_step(app, app.case_for(cycle_id, EMP).id)
    history = app.case_history(case.id)
    case_entries = [h for h in history if h.aggregate == "case"]
    assert [h.version for h in case_entries] == list(range(1, case.version + 1))
    assert case_entries[0].event == "CaseOpened"
    requested = next(h for h in history if h.event == "MeetingRequested")
    assert (requested.actor, requested.occurred_at) == (EMP, at(2))
    assert requested.payload == {"proposed_for": at(10).isoformat().replace("+00:00", "Z")}
    assert sum(h.event == "ActionItemAgreed" for h in history) == 2
    assert [h.occurred_at for h in history] == sorted(h.occurred_at for h in history)


def test_state_as_of_a_version_or_a_time(app: CareerFlow) -> None:
    cycle_id = new_cycle(app)
    case_id = app.case_for(cycle_id, EMP).id
    walk_every_step(app, case_id)
    by_version = app.case_as_of(case_id, version=6)  # opened, assessed, goal, peer x2, requested
    assert by_version.phase is Phase.MEETING_REQUESTED
    by_time = app.case_as_of(case_id, at=at(13.5))
    assert by_time.phase is Phase.PLAN_SUBMITTED
    assert by_time.approved_version is None
    assert app.case_as_of(case_id, at=at(0)).phase is Phase.PREPARING
    with pytest.raises(errors.NotFound):
        app.case_as_of(case_id, at=T0 - timedelta(days=1))
    with pytest.raises(errors.InvalidCommand):
        app.case_as_of(case_id, version=999)
    with pytest.raises(errors.InvalidCommand):
        app.case_as_of(case_id)
    with pytest.raises(errors.NotFound):
        app.case_as_of(uuid4(), version=1)


def test_cases_as_of_reads_many_versions_at_once_as_one_by_one(app: CareerFlow) -> None:
    """What the notifier reads for a batch: each (case, version) as ``case_as_of`` gives it;
    a version or a case that does not exist is left out."""
    cycle_id = new_cycle(app, EMP, "linus")
    case_id = app.case_for(cycle_id, EMP).id
    walk_every_step(app, case_id)
    other = app.case_for(cycle_id, "linus").id
    last = app.get_case(case_id).version
    wanted = {(case_id, 1), (case_id, 6), (case_id, last), (other, 1), (case_id, last + 1)}
    wanted.add((uuid4(), 1))
    found = app.cases_as_of(wanted)
    assert set(found) == {(case_id, 1), (case_id, 6), (case_id, last), (other, 1)}
    for (case, version), historic in found.items():
        one = app.case_as_of(case, version=version)
        assert (historic.version, historic.phase, historic.employee_id) == (
            one.version, one.phase, one.employee_id,
        )  # fmt: skip
    assert found[case_id, 6].phase is Phase.MEETING_REQUESTED


def test_a_repeated_command_with_the_same_key_adds_no_event(app: CareerFlow) -> None:
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(
        case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1), idempotency_key="req-1"
    )
    version = app.get_case(case_id).version
    again = app.execute(
        case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1), idempotency_key="req-1"
    ).case
    assert again.version == version
    assert len(app.case_history(case_id)) == version
    with pytest.raises(errors.IdempotencyKeyReused):
        app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2), idempotency_key="req-1")


def test_the_recap_and_its_action_items_are_idempotent_by_key(app: CareerFlow) -> None:
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
    app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
    app.execute(case_id, HoldMeeting(held_at=at(10)), actor=MGR, at=at(10))
    first = app.execute(
        case_id, ShareRecap.of(recap(item_spec())), actor=MGR, at=at(10), idempotency_key="r"
    ).case
    again = app.execute(
        case_id, ShareRecap.of(recap(item_spec())), actor=MGR, at=at(10), idempotency_key="r"
    ).case
    assert again.action_item_ids == first.action_item_ids
    item = app.execute(
        case_id, AddActionItem.of(item_spec(due=60)), actor=EMP, at=at(20), idempotency_key="extra"
    ).created[0]
    same = app.execute(
        case_id, AddActionItem.of(item_spec(due=60)), actor=EMP, at=at(20), idempotency_key="extra"
    )
    assert not same.created
    assert AddActionItem.item_id(same.case, "extra") == item.id
    assert len(app.get_case(case_id).action_item_ids) == 2


def test_recreating_a_cycle_is_a_no_op_and_a_different_one_a_conflict(app: CareerFlow) -> None:
    cycle_id = uuid4()
    args = {
        "cycle_id": cycle_id,
        "name": "2026",
        "opens_at": T0,
        "closes_at": CYCLE_CLOSES,
        "actor": "hr",
        "at": T0,
    }
    first = app.create_cycle(**args)  # type: ignore[arg-type]
    again = app.create_cycle(**args)  # type: ignore[arg-type]
    assert again.version == first.version == 1
    with pytest.raises(errors.IdentityConflict):
        app.create_cycle(**(args | {"name": "Another"}))  # type: ignore[arg-type]


def test_opening_again_only_opens_missing_cases(app: CareerFlow) -> None:
    cycle_id = new_cycle(app, "a", "b")
    result = app.open_cycle(
        cycle_id,
        population=[participants(employee=e) for e in ("a", "b", "c")],
        actor="hr",
        at=at(1),
    )
    assert (result.changed, result.unchanged) == (1, 2)
    assert app.get_cycle(cycle_id).enrolled == ["a", "b", "c"]
    assert app.case_for(cycle_id, "a").version == 1


def test_a_population_with_a_duplicate_writes_nothing(app: CareerFlow) -> None:
    cycle_id = uuid4()
    app.create_cycle(
        cycle_id=cycle_id, name="2026", opens_at=T0, closes_at=CYCLE_CLOSES, actor="hr", at=T0
    )
    with pytest.raises(errors.DuplicateId) as info:
        app.open_cycle(
            cycle_id,
            population=[participants(employee=e) for e in ("a", "b", "a")],
            actor="hr",
            at=T0,
        )
    assert info.value.field == "population[2].employee_id"
    assert app.get_cycle(cycle_id).version == 1


def test_the_policy_a_cycle_opened_with_is_the_cases_policy(app: CareerFlow) -> None:
    policy = Policy(meeting_notice=timedelta(days=2))
    case = app.case_for(new_cycle(app, policy=policy), EMP)
    assert case.policy == policy
    app.execute(case.id, RequestMeeting(proposed_for=at(3)), actor=EMP, at=at(1))


def test_closing_a_cycle_closes_every_open_case_with_its_outcome(app: CareerFlow) -> None:
    cycle_id = new_cycle(app, EMP, "b", "c")
    walk_every_step(app, app.case_for(cycle_id, EMP).id)
    app.execute(app.case_for(cycle_id, "c").id, CloseCase(), actor="hr", at=at(30))
    result = app.close_cycle(cycle_id, actor="hr", at=at(300), batch_size=2)
    assert (result.changed, result.unchanged) == (2, 1)
    outcomes = {e: app.case_for(cycle_id, e).outcome for e in (EMP, "b", "c")}
    assert outcomes == {EMP: "plan_approved", "b": "incomplete", "c": "incomplete"}
    assert app.get_cycle(cycle_id).status == "closed"
    again = app.close_cycle(cycle_id, actor="hr", at=at(301))
    assert again.changed == 0


def test_action_items_live_their_own_life_with_the_case_roster(app: CareerFlow) -> None:
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
    app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
    app.execute(case_id, HoldMeeting(held_at=at(10)), actor=MGR, at=at(10))
    case = app.execute(case_id, ShareRecap.of(recap(item_spec(due=40))), actor=MGR, at=at(10)).case
    (item_id,) = case.action_item_ids
    assert app.execute(
        item_id, RemindItem(reason="due in 2 days"), actor=SYSTEM_ACTOR, at=at(38)
    ).changed
    assert not app.execute(
        item_id, RemindItem(reason="due in 2 days"), actor=SYSTEM_ACTOR, at=at(38)
    ).changed
    assert app.execute(item_id, MarkItemOverdue(), actor=SYSTEM_ACTOR, at=at(40)).changed
    assert app.execute(
        item_id, EscalateItem(rung=Rung.MANAGER, reason="overdue"), actor=SYSTEM_ACTOR, at=at(42)
    ).changed
    app.execute(
        item_id,
        RescheduleActionItem(new_due_at=at(60), reason="Course moved"),
        actor=EMP,
        at=at(43),
    )
    app.execute(item_id, CompleteActionItem(), actor=EMP, at=at(55), idempotency_key="done")
    app.execute(item_id, CompleteActionItem(), actor=EMP, at=at(55), idempotency_key="done")
    events = [h.event for h in app.action_item_history(item_id)]
    assert events == [
        "ActionItemAgreed",
        "ReminderSent",
        "ActionItemOverdue",
        "Escalated",
        "ActionItemRescheduled",
        "ActionItemCompleted",
    ]
    app.execute(case_id, CloseCase(), actor="hr", at=at(300))
    with pytest.raises(errors.CaseIsClosed):
        app.execute(item_id, CancelActionItem(reason="r"), actor=MGR, at=at(301))


def test_timer_steps_are_idempotent_by_domain_state(app: CareerFlow) -> None:
    case_id = app.case_for(new_cycle(app), EMP).id
    remind = RemindCase(deadline="prep", owner=Party.EMPLOYEE, reason="prep due")
    escalate = EscalateCase(deadline="prep", rung=Rung.MANAGER, reason="late")
    for command, day in ((remind, 12), (escalate, 16)):
        assert app.execute(case_id, command, actor=SYSTEM_ACTOR, at=at(day)).changed
        assert not app.execute(case_id, command, actor=SYSTEM_ACTOR, at=at(day)).changed
    assert [h.event for h in app.case_history(case_id)] == [
        "CaseOpened",
        "ReminderSent",
        "Escalated",
    ]


def test_unknown_ids_and_wrong_kinds_are_not_found(app: CareerFlow) -> None:
    cycle_id = new_cycle(app)
    with pytest.raises(errors.NotFound):
        app.get_case(uuid4())
    with pytest.raises(errors.NotFound):
        app.get_case(cycle_id)
    with pytest.raises(errors.NotFound):
        app.get_action_item(app.case_for(cycle_id, EMP).id)


def test_closing_a_case_cancels_its_open_action_items(app: CareerFlow) -> None:
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
    app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
    app.execute(case_id, HoldMeeting(held_at=at(10)), actor=MGR, at=at(10))
    specs = (item_spec(due=40), item_spec(owner=MGR, due=30))
    case = app.execute(case_id, ShareRecap.of(recap(*specs)), actor=MGR, at=at(10)).case
    done, still_open = case.action_item_ids
    app.execute(done, CompleteActionItem(), actor=EMP, at=at(12))
    app.execute(case_id, CloseCase(), actor="hr", at=at(20))
    assert app.get_action_item(done).status == "completed"
    closed = app.get_action_item(still_open)
    assert closed.status == "cancelled"
    events = [e.event for e in app.action_item_history(still_open)]
    assert events[-1] == "ActionItemCancelled"
    assert app.action_item_history(still_open)[-1].payload["reason"] == "its case was closed"


def test_a_meeting_cannot_be_held_more_than_a_day_early(app: CareerFlow) -> None:
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
    app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
    with pytest.raises(errors.InvalidCommand) as early:
        app.execute(case_id, HoldMeeting(held_at=at(8)), actor=MGR, at=at(8))
    assert early.value.field == "held_at"
    app.execute(case_id, HoldMeeting(held_at=at(9.5)), actor=MGR, at=at(9.5))  # hours early: fine
