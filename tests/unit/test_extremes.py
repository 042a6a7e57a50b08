"""No accepted value can make a case unreadable or its deadlines incomputable.

A policy duration of P999999999D used to be accepted; the meeting-held step then
overflowed the date arithmetic, and the case could never be read again. Every
duration is now at most P730D and a cycle lives inside a window around the time it
is created, so the extremes of what is allowed are tested here: Hypothesis builds
cycles and cases at the edges, walks them through every step, replays the stored
events (through the JSON transcoder, as PostgreSQL stores them) and asks the
deadline engine for every deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.service import CareerFlow
from domain import commands as c
from domain import errors
from domain import plan_commands as pc
from domain.cycle import EARLIEST_OPENING, LATEST_CLOSING, LONGEST
from domain.values import MAX_DURATION, EscalationLadder, Participants, Policy
from tests.factories import goal, plan
from workflows.deadline_engine import CaseView
from workflows.payloads import LogEvent
from workflows.relay import deadline_facts

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
durations = st.sampled_from(
    [timedelta(seconds=1), timedelta(days=1), timedelta(days=365), MAX_DURATION]
)


@pytest.fixture(scope="module")
def app() -> CareerFlow:
    return CareerFlow()


def test_a_duration_past_the_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="at most P730D"):
        Policy(plan_due=MAX_DURATION + timedelta(seconds=1))


@settings(max_examples=40, deadline=None)
@given(
    plan_due=durations,
    approval=durations,
    cadence=durations,
    ladder=durations,
    opens_back=st.sampled_from([timedelta(0), EARLIEST_OPENING]),
    length=st.sampled_from([timedelta(days=30), LONGEST]),
)
def test_cases_at_the_extremes_replay_and_their_deadlines_compute(
    app: CareerFlow,
    plan_due: timedelta,
    approval: timedelta,
    cadence: timedelta,
    ladder: timedelta,
    opens_back: timedelta,
    length: timedelta,
) -> None:
    opens = NOW - opens_back
    closes = min(max(opens + length, NOW + timedelta(days=30)), NOW + LATEST_CLOSING)
    policy = Policy(
        plan_due=plan_due,
        approval_sla=approval,
        checkin_cadence=cadence,
        meeting_notice=timedelta(days=1),
        escalation=EscalationLadder(manager=ladder, skip_level=ladder, hr_partner=ladder),
    )
    cycle_id = uuid4()
    app.create_cycle(
        cycle_id=cycle_id, name="edge", opens_at=opens, closes_at=closes, policy=policy,
        actor="hr", at=NOW,
    )  # fmt: skip
    people = [Participants(employee_id="e", manager_id="m", skip_level_id="s", hr_partner_id="h")]
    app.open_cycle(cycle_id, population=people, actor="hr", at=NOW)
    case_id = app.case_for(cycle_id, "e").id
    meeting = NOW + timedelta(days=2)
    steps = [
        ("e", NOW, c.RequestMeeting(proposed_for=meeting)),
        ("m", NOW, c.AcceptMeeting()),
        ("m", meeting, c.HoldMeeting(held_at=meeting)),
        ("e", meeting, pc.DraftPlan.of(plan(goal(due_on=(closes - timedelta(days=1)).date())))),
        ("e", meeting, pc.SubmitPlan()),
        ("m", meeting, pc.ApprovePlan()),
    ]
    for actor, at, command in steps:
        app.execute(case_id, command, actor=actor, at=at)
    case = app.get_case(case_id)
    replayed = app.case_as_of(case_id, version=case.version)
    assert vars(replayed) == vars(case)
    view, computed = CaseView(case_id=case_id), 0
    for number, event in enumerate(app.events.get(case_id), start=1):
        view.accept(
            LogEvent(
                id=number,
                aggregate_id=case_id,
                name=type(event).__name__,
                actor=event.actor,  # type: ignore[attr-defined]
                occurred_at=event.timestamp,  # type: ignore[attr-defined]
                data=deadline_facts(event),
            )
        )
        pending = view.pending()  # every deadline of the case at this point, computed
        assert all(action.at.year < 2100 for action in pending)
        computed += len(pending)
    assert computed > 0


def test_a_cycle_longer_than_the_bound_is_refused(app: CareerFlow) -> None:
    too_long = NOW + LONGEST + timedelta(days=1)
    with pytest.raises(errors.InvalidCommand) as info:
        app.create_cycle(
            cycle_id=uuid4(), name="long", opens_at=NOW, closes_at=too_long, actor="hr", at=NOW
        )
    assert info.value.field == "closes_at"
