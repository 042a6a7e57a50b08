"""Every rule of DevelopmentCase and every error path, on the aggregate alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain import errors
from domain import values as v
from domain.base import SYSTEM_ACTOR, By
from domain.case import DevelopmentCase, Phase
from tests.factories import (
    EMP,
    HRP,
    MGR,
    PEER,
    SKIP,
    STRANGER,
    agenda,
    at,
    events_of,
    goal,
    new_case,
    phase_of,
    plan,
    recap,
    self_assessment,
    walk,
)

# --- events carry actor and caller-supplied time ------------------------------------


def test_events_carry_the_actor_and_the_time_the_caller_gave() -> None:
    case = new_case()
    case.record_self_assessment(assessment=self_assessment(), by=By(EMP, at(3)))
    opened, recorded = case.pending_events
    assert (opened.actor, opened.timestamp) == ("hr", at(0))  # type: ignore[attr-defined]
    assert (recorded.actor, recorded.timestamp) == (EMP, at(3))  # type: ignore[attr-defined]
    assert case.self_assessed_at == at(3)


def test_a_naive_time_is_refused() -> None:
    case = new_case()
    with pytest.raises(errors.NaiveTimestamp) as info:
        case.record_self_assessment(
            assessment=self_assessment(), by=By(EMP, datetime(2026, 1, 6, 9))
        )
    assert info.value.field == "at"
    assert events_of(case) == ["CaseOpened"]


# --- order of the steps ------------------------------------------------------------------

OutOfOrder = tuple[Phase, Callable[[DevelopmentCase], Any], type[errors.StepOutOfOrder]]

OUT_OF_ORDER: list[OutOfOrder] = [
    (
        Phase.PREPARING,
        lambda c: c.share_agenda(agenda=agenda(), by=By(EMP, at(1))),
        errors.MeetingNotRequested,
    ),
    (
        Phase.MEETING_HELD,
        lambda c: c.share_agenda(agenda=agenda(), by=By(EMP, at(11))),
        errors.AgendaAfterMeeting,
    ),
    (
        Phase.MEETING_SCHEDULED,
        lambda c: c.draft_plan(plan=plan(), by=By(EMP, at(3))),
        errors.PlanBeforeMeeting,
    ),
    (
        Phase.PREPARING,
        lambda c: c.draft_plan(plan=plan(), by=By(EMP, at(3))),
        errors.PlanBeforeMeeting,
    ),
    (Phase.MEETING_HELD, lambda c: c.submit_plan(by=By(EMP, at(11))), errors.NoDraftPlan),
    (Phase.PLAN_DRAFTED, lambda c: c.approve_plan(by=By(MGR, at(12))), errors.PlanNotSubmitted),
    (
        Phase.PLAN_DRAFTED,
        lambda c: c.request_plan_changes(comments="x", by=By(MGR, at(12))),
        errors.PlanNotSubmitted,
    ),
    (
        Phase.PLAN_SUBMITTED,
        lambda c: c.draft_plan(plan=plan(), by=By(EMP, at(13))),
        errors.PlanNotEditable,
    ),
    (
        Phase.PLAN_SUBMITTED,
        lambda c: c.hold_check_in(notes="n", progress=[], by=By(MGR, at(13))),
        errors.CheckInBeforeApproval,
    ),
    (
        Phase.PLAN_SUBMITTED,
        lambda c: c.mark_check_in_due(number=1, due_at=at(40), by=By(SYSTEM_ACTOR, at(40))),
        errors.CheckInBeforeApproval,
    ),
    (
        Phase.MEETING_HELD,
        lambda c: c.record_goal_progress(
            progress=v.GoalProgress(goal_id="g1", percent=5), by=By(EMP, at(11))
        ),
        errors.PlanNotApproved,
    ),
    (
        Phase.MEETING_HELD,
        lambda c: c.readjust_goal(goal=goal(), reason="r", by=By(EMP, at(11))),
        errors.PlanNotApproved,
    ),
    (
        Phase.MEETING_REQUESTED,
        lambda c: c.hold_meeting(held_at=at(1), by=By(MGR, at(1))),
        errors.MeetingNotScheduled,
    ),
    (Phase.PREPARING, lambda c: c.accept_meeting(by=By(MGR, at(1))), errors.MeetingNotPending),
    (
        Phase.MEETING_SCHEDULED,
        lambda c: c.accept_meeting(by=By(MGR, at(3))),
        errors.MeetingNotPending,
    ),
    (
        Phase.MEETING_HELD,
        lambda c: c.decline_meeting(reason="busy", by=By(MGR, at(30))),
        errors.MeetingNotPending,
    ),
    (
        Phase.MEETING_REQUESTED,
        lambda c: c.request_meeting(proposed_for=at(20), by=By(EMP, at(2))),
        errors.MeetingAlreadyRequested,
    ),
    (
        Phase.PREPARING,
        lambda c: c.reschedule_meeting(new_time=at(20), reason="r", by=By(MGR, at(2))),
        errors.MeetingNotScheduled,
    ),
    (
        Phase.MEETING_HELD,
        lambda c: c.record_self_assessment(assessment=self_assessment(), by=By(EMP, at(11))),
        errors.PreparationClosed,
    ),
    (
        Phase.MEETING_HELD,
        lambda c: c.propose_goal(goal=goal(), by=By(EMP, at(11))),
        errors.PreparationClosed,
    ),
    (
        Phase.MEETING_HELD,
        lambda c: c.request_peer_feedback(peer_id=PEER, by=By(EMP, at(11))),
        errors.PreparationClosed,
    ),
    (
        Phase.MEETING_SCHEDULED,
        lambda c: c.share_recap(recap=recap(), action_item_ids=[], by=By(MGR, at(3))),
        errors.MeetingNotHeld,
    ),
    (
        Phase.MEETING_SCHEDULED,
        lambda c: c.give_feedback(
            feedback=v.ConversationFeedback(strengths=[v.FeedbackPoint(point="p", example="e")]),
            by=By(MGR, at(3)),
        ),
        errors.MeetingNotHeld,
    ),
    (
        Phase.PREPARING,
        lambda c: c.receive_peer_feedback(
            feedback=v.PeerFeedback(strengths=["kind"]), by=By(PEER, at(1))
        ),
        errors.PeerFeedbackNotRequested,
    ),
]


@pytest.mark.parametrize(("phase", "step", "error"), OUT_OF_ORDER)
def test_a_step_out_of_order_is_refused_and_records_nothing(
    phase: Phase, step: Callable[[DevelopmentCase], Any], error: type[errors.StepOutOfOrder]
) -> None:
    case = walk(new_case(), phase)
    before = case.version
    with pytest.raises(error) as info:
        step(case)
    assert info.value.current == phase
    assert case.version == before
    assert case.phase is phase


def test_the_recap_is_shared_once() -> None:
    case = walk(new_case(), Phase.MEETING_HELD)
    case.share_recap(recap=recap(), action_item_ids=[], by=By(MGR, at(11)))
    with pytest.raises(errors.RecapAlreadyShared):
        case.share_recap(recap=recap(), action_item_ids=[], by=By(MGR, at(11)))


def test_a_declined_meeting_can_be_requested_again() -> None:
    case = walk(new_case(), Phase.MEETING_REQUESTED)
    with pytest.raises(errors.InvalidCommand) as info:
        case.decline_meeting(reason="  ", by=By(MGR, at(2)))
    assert info.value.field == "reason"
    case.decline_meeting(reason="On leave that week", by=By(MGR, at(2)))
    assert case.phase is Phase.MEETING_DECLINED
    assert case.decline_reason == "On leave that week"
    case.request_meeting(proposed_for=at(20), by=By(EMP, at(3)))
    assert phase_of(case) is Phase.MEETING_REQUESTED
    assert case.meeting_requests == 2


def test_the_manager_proposes_another_time_and_either_party_can_move_it() -> None:
    case = walk(new_case(), Phase.MEETING_REQUESTED)
    with pytest.raises(errors.NotPermitted):
        case.reschedule_meeting(new_time=at(15), reason="r", by=By(EMP, at(2)))
    case.reschedule_meeting(new_time=at(15), reason="Travelling on the 10th", by=By(MGR, at(2)))
    assert (case.phase, case.meeting_at) == (Phase.MEETING_SCHEDULED, at(15))
    case.reschedule_meeting(new_time=at(16), reason="Clash", by=By(EMP, at(3)))
    assert case.meeting_at == at(16)
    with pytest.raises(errors.InvalidCommand) as info:
        case.reschedule_meeting(new_time=at(2), reason="r", by=By(EMP, at(3)))
    assert info.value.field == "new_time"


# --- the notice period ---------------------------------------------------------------------


def test_a_meeting_needs_a_weeks_notice_by_default() -> None:
    case = new_case()
    with pytest.raises(errors.NoticeTooShort) as info:
        case.request_meeting(proposed_for=at(7) - timedelta(minutes=1), by=By(EMP, at(0)))
    assert info.value.field == "proposed_for"
    assert "P7D" in info.value.reason
    assert case.phase is Phase.PREPARING
    case.request_meeting(proposed_for=at(7), by=By(EMP, at(0)))
    assert case.meeting_at == at(7)


def test_the_notice_comes_from_the_cycle_policy() -> None:
    case = new_case(policy=v.Policy(meeting_notice=timedelta(days=1)))
    case.request_meeting(proposed_for=at(1), by=By(EMP, at(0)))
    assert case.phase is Phase.MEETING_REQUESTED


def test_a_meeting_after_the_cycle_closes_is_refused() -> None:
    with pytest.raises(errors.OutsideCycle) as info:
        new_case().request_meeting(proposed_for=at(400), by=By(EMP, at(0)))
    assert info.value.field == "proposed_for"


# --- who may act --------------------------------------------------------------------------

PERMISSIONS: list[tuple[Phase, str, Callable[[DevelopmentCase, str], Any]]] = [
    (
        Phase.PREPARING,
        "employee",
        lambda c, a: c.record_self_assessment(assessment=self_assessment(), by=By(a, at(1))),
    ),
    (Phase.PREPARING, "employee", lambda c, a: c.propose_goal(goal=goal(), by=By(a, at(1)))),
    (
        Phase.PREPARING,
        "employee",
        lambda c, a: c.request_meeting(proposed_for=at(10), by=By(a, at(1))),
    ),
    (Phase.MEETING_REQUESTED, "manager", lambda c, a: c.accept_meeting(by=By(a, at(2)))),
    (
        Phase.MEETING_REQUESTED,
        "manager",
        lambda c, a: c.decline_meeting(reason="no", by=By(a, at(2))),
    ),
    (
        Phase.MEETING_REQUESTED,
        "party",
        lambda c, a: c.share_agenda(agenda=agenda(), by=By(a, at(2))),
    ),
    (
        Phase.MEETING_SCHEDULED,
        "party",
        lambda c, a: c.hold_meeting(held_at=at(10), by=By(a, at(10))),
    ),
    (Phase.MEETING_HELD, "employee", lambda c, a: c.draft_plan(plan=plan(), by=By(a, at(11)))),
    (Phase.PLAN_DRAFTED, "employee", lambda c, a: c.submit_plan(by=By(a, at(13)))),
    (Phase.PLAN_SUBMITTED, "manager", lambda c, a: c.approve_plan(by=By(a, at(14)))),
    (
        Phase.PLAN_SUBMITTED,
        "manager",
        lambda c, a: c.request_plan_changes(comments="more", by=By(a, at(14))),
    ),
    (
        Phase.PLAN_APPROVED,
        "party",
        lambda c, a: c.hold_check_in(notes="ok", progress=[], by=By(a, at(20))),
    ),
]
WHO = {"employee": {EMP}, "manager": {MGR}, "party": {EMP, MGR}}


@pytest.mark.parametrize(("phase", "allowed", "step"), PERMISSIONS)
@pytest.mark.parametrize("actor", [EMP, MGR, SKIP, HRP, STRANGER])
def test_only_the_right_person_may_take_a_step(
    phase: Phase, allowed: str, step: Callable[[DevelopmentCase, str], Any], actor: str
) -> None:
    case = walk(new_case(), phase)
    before = case.version
    if actor in WHO[allowed]:
        step(case, actor)
        assert case.version > before
    else:
        with pytest.raises(errors.NotPermitted):
            step(case, actor)
        assert case.version == before


def test_timer_steps_belong_to_the_service() -> None:
    case = walk(new_case(), Phase.PLAN_APPROVED)
    with pytest.raises(errors.NotPermitted):
        case.mark_check_in_due(number=1, due_at=at(44), by=By(MGR, at(44)))
    with pytest.raises(errors.NotPermitted):
        case.record_reminder(
            deadline="plan_due", owner=v.Party.EMPLOYEE, reason="r", by=By(EMP, at(20))
        )


def test_only_a_requested_peer_gives_feedback_once() -> None:
    case = new_case()
    with pytest.raises(errors.InvalidCommand):
        case.request_peer_feedback(peer_id=EMP, by=By(EMP, at(1)))
    case.request_peer_feedback(peer_id=PEER, by=By(EMP, at(1)))
    with pytest.raises(errors.PeerFeedbackNotRequested):
        case.receive_peer_feedback(feedback=v.PeerFeedback(strengths=["x"]), by=By(STRANGER, at(2)))
    case.receive_peer_feedback(
        feedback=v.PeerFeedback(strengths=["Clear writer"]), by=By(PEER, at(2))
    )
    assert case.peer_feedback[PEER] == v.PeerFeedback(strengths=["Clear writer"])
    with pytest.raises(errors.InvalidCommand):
        case.receive_peer_feedback(feedback=v.PeerFeedback(strengths=["x"]), by=By(PEER, at(3)))


def test_feedback_in_the_meeting_flows_both_ways() -> None:
    case = walk(new_case(), Phase.MEETING_HELD)
    fb = v.ConversationFeedback(
        strengths=[v.FeedbackPoint(point="Ownership", example="The CI fix")]
    )
    case.give_feedback(feedback=fb, by=By(MGR, at(10)))
    case.give_feedback(feedback=fb, by=By(EMP, at(10)))
    assert [(f, t) for f, t, _ in case.feedback] == [(MGR, EMP), (EMP, MGR)]
