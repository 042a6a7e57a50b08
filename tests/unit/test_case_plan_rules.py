"""Case rules after the meeting: plan versions, lateness, goals, check-ins, the ladder,
closing and idempotency keys, on the aggregate alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from domain import errors
from domain.base import SYSTEM_ACTOR, By
from domain.case import DevelopmentCase, Phase, PlanStatus
from domain.values import (
    CaseOutcome,
    GoalProgress,
    Party,
    Rung,
)
from tests.factories import (
    EMP,
    HRP,
    MGR,
    SKIP,
    agenda,
    at,
    events_of,
    goal,
    item_spec,
    new_case,
    participants,
    phase_of,
    plan,
    recap,
    self_assessment,
    walk,
)

# --- plan versions and lateness ----------------------------------------------------------


def test_a_resubmission_is_a_new_version_and_drafts_are_edited_in_place() -> None:
    case = walk(new_case(), Phase.PLAN_DRAFTED)
    case.draft_plan(plan=plan(goal("g2")), by=By(EMP, at(12.5)))
    assert [p.version for p in case.plans] == [1]
    assert case.plans[0].plan.goals[0].goal_id == "g2"
    case.submit_plan(by=By(EMP, at(13)))
    case.request_plan_changes(comments="Add a stretch project", by=By(MGR, at(14)))
    assert case.phase is Phase.CHANGES_REQUESTED
    case.draft_plan(plan=plan(goal("g3")), by=By(EMP, at(15)))
    case.submit_plan(by=By(EMP, at(15)))
    case.approve_plan(by=By(MGR, at(16)))
    assert [(p.version, p.status) for p in case.plans] == [
        (1, PlanStatus.CHANGES_REQUESTED),
        (2, PlanStatus.APPROVED),
    ]
    assert case.plans[0].comments == ("Add a stretch project",)
    assert case.approved_version == 2


def test_an_approved_version_never_changes_readjusting_makes_a_new_one() -> None:
    case = walk(new_case(), Phase.PLAN_APPROVED)
    approved = case.plan_version(1).plan
    new_goal = goal(due_on=date(2026, 11, 30), specific="Run the half-yearly architecture review")
    case.readjust_goal(goal=new_goal, reason="Team reorganised", by=By(EMP, at(50)))
    # the employee alone only proposes: the approved version stays in force
    assert case.approved_version == 1
    assert case.plan_version(1).status is PlanStatus.APPROVED
    assert case.plan_version(2).status is PlanStatus.SUBMITTED
    assert phase_of(case) is Phase.PLAN_SUBMITTED
    with pytest.raises(errors.PlanNotEditable):
        case.readjust_goal(goal=new_goal, reason="again", by=By(MGR, at(50.5)))
    case.approve_plan(by=By(MGR, at(51)))  # the manager agrees
    assert case.plan_version(1).plan == approved
    assert case.plan_version(1).status is PlanStatus.SUPERSEDED
    assert case.approved_version == 2
    assert case.plan_version(2).plan.goals[0] == new_goal
    assert case.plan_version(2).readjusted_from == 1
    with pytest.raises(errors.UnknownGoal):
        case.readjust_goal(goal=goal("nope"), reason="r", by=By(EMP, at(52)))
    later = goal(due_on=date(2026, 11, 30), specific="Run the quarterly architecture review")
    case.readjust_goal(goal=later, reason="Back to quarterly", by=By(MGR, at(60)))
    assert case.approved_version == 3  # the manager's own readjustment takes effect at once
    assert case.plan_version(2).status is PlanStatus.SUPERSEDED
    assert phase_of(case) is Phase.PLAN_APPROVED


def test_a_late_plan_is_accepted_and_recorded_late() -> None:
    case = walk(new_case(), Phase.MEETING_HELD)
    case.draft_plan(plan=plan(), by=By(EMP, at(30)))
    case.submit_plan(by=By(EMP, at(10 + 14) + timedelta(seconds=1)))
    assert case.current_plan is not None
    assert case.current_plan.late
    assert case.pending_events[-1].late is True  # type: ignore[attr-defined]


def test_a_plan_on_time_is_not_late() -> None:
    case = walk(new_case(), Phase.PLAN_SUBMITTED)
    assert case.current_plan is not None
    assert not case.current_plan.late


def test_a_late_approval_is_accepted_and_recorded_late() -> None:
    case = walk(new_case(), Phase.PLAN_SUBMITTED)
    case.approve_plan(by=By(MGR, at(13 + 5) + timedelta(seconds=1)))
    assert case.phase is Phase.PLAN_APPROVED
    assert case.pending_events[-1].late is True  # type: ignore[attr-defined]


def test_a_late_answer_to_a_meeting_request_is_recorded() -> None:
    case = walk(new_case(), Phase.MEETING_REQUESTED)
    case.accept_meeting(by=By(MGR, at(1 + 3) + timedelta(seconds=1)))
    assert case.pending_events[-1].late is True  # type: ignore[attr-defined]


# --- goals inside the cycle ------------------------------------------------------------


def test_goals_must_be_due_inside_the_cycle() -> None:
    case = new_case()
    with pytest.raises(errors.OutsideCycle) as info:
        case.propose_goal(goal=goal(due_on=date(2027, 1, 31)), by=By(EMP, at(1)))
    assert info.value.field == "goal.due_on"
    case = walk(new_case(), Phase.MEETING_HELD)
    with pytest.raises(errors.OutsideCycle) as info:
        case.draft_plan(plan=plan(goal(), goal("g2", due_on=date(2025, 1, 1))), by=By(EMP, at(11)))
    assert info.value.field == "plan.goals[1].due_on"


def test_action_items_are_due_after_the_meeting_and_inside_the_cycle() -> None:
    case = walk(new_case(), Phase.MEETING_HELD)
    with pytest.raises(errors.OutsideCycle) as info:
        case.share_recap(
            recap=recap(item_spec(due=500)), action_item_ids=[_id()], by=By(MGR, at(11))
        )
    assert info.value.field == "action_items[0].due_at"
    with pytest.raises(errors.InvalidCommand) as info2:
        case.share_recap(recap=recap(item_spec(due=5)), action_item_ids=[_id()], by=By(MGR, at(11)))
    assert info2.value.field == "action_items[0].due_at"
    assert case.recap is None


def _id() -> Any:
    from uuid import uuid4

    return uuid4()


# --- check-ins ---------------------------------------------------------------------------


def test_check_ins_come_due_in_order_are_held_or_missed() -> None:
    case = walk(new_case(), Phase.PLAN_APPROVED)
    assert case.mark_check_in_due(number=1, due_at=at(44), by=By(SYSTEM_ACTOR, at(44)))
    assert not case.mark_check_in_due(number=1, due_at=at(44), by=By(SYSTEM_ACTOR, at(44)))
    with pytest.raises(errors.InvalidCommand):
        case.mark_check_in_due(number=3, due_at=at(104), by=By(SYSTEM_ACTOR, at(104)))
    case.hold_check_in(
        notes="on track", progress=[GoalProgress(goal_id="g1", percent=30)], by=By(MGR, at(45))
    )
    assert case.check_ins[1].held_at == at(45)
    assert case.goal_progress == {"g1": 30}
    assert not case.mark_check_in_missed(number=1, by=By(SYSTEM_ACTOR, at(60)))

    case.mark_check_in_due(number=2, due_at=at(74), by=By(SYSTEM_ACTOR, at(74)))
    with pytest.raises(errors.InvalidCommand):
        case.mark_check_in_missed(number=2, by=By(SYSTEM_ACTOR, at(75)))
    assert case.mark_check_in_missed(number=2, by=By(SYSTEM_ACTOR, at(74 + 7)))
    assert not case.mark_check_in_missed(number=2, by=By(SYSTEM_ACTOR, at(82)))
    assert case.check_ins[2].missed


def test_check_in_progress_must_name_goals_of_the_approved_plan() -> None:
    case = walk(new_case(), Phase.PLAN_APPROVED)
    with pytest.raises(errors.UnknownGoal) as info:
        case.hold_check_in(
            notes="n", progress=[GoalProgress(goal_id="other", percent=1)], by=By(EMP, at(20))
        )
    assert info.value.field == "progress[0].goal_id"


# --- reminders and escalations ----------------------------------------------------------


def test_a_reminder_is_recorded_once_per_deadline() -> None:
    case = walk(new_case(), Phase.MEETING_HELD)

    def remind() -> bool:
        return case.record_reminder(
            deadline="plan_due",
            owner=Party.EMPLOYEE,
            reason="due in 2 days",
            by=By(SYSTEM_ACTOR, at(22)),
        )

    assert remind()
    assert not remind()
    assert case.reminders == {"plan_due": EMP}
    assert events_of(case).count("ReminderSent") == 1


def test_escalation_climbs_the_ladder_from_the_roster_once_per_rung() -> None:
    case = walk(new_case(), Phase.MEETING_HELD)
    for rung in Rung:
        assert case.escalate(
            deadline="plan_due", rung=rung, reason="late", by=By(SYSTEM_ACTOR, at(30))
        )
        assert not case.escalate(
            deadline="plan_due", rung=rung, reason="late", by=By(SYSTEM_ACTOR, at(31))
        )
    assert case.escalations == {("plan_due", 1): MGR, ("plan_due", 2): SKIP, ("plan_due", 3): HRP}


def test_a_manager_change_moves_future_escalations_and_approvals() -> None:
    case = walk(new_case(), Phase.PLAN_SUBMITTED)
    case.change_manager(participants=participants(manager="newmgr"), by=By("hr", at(13)))
    with pytest.raises(errors.NotPermitted):
        case.approve_plan(by=By(MGR, at(14)))
    case.escalate(deadline="approval:1", rung=Rung.MANAGER, reason="r", by=By(SYSTEM_ACTOR, at(19)))
    assert case.escalations[("approval:1", 1)] == "newmgr"
    case.approve_plan(by=By("newmgr", at(14)))
    assert case.phase is Phase.PLAN_APPROVED


def test_no_skip_level_means_no_escalation_target() -> None:
    case = new_case(people=participants(skip_level_id=None))
    with pytest.raises(errors.NoEscalationTarget) as info:
        case.escalate(
            deadline="prep", rung=Rung.SKIP_LEVEL, reason="r", by=By(SYSTEM_ACTOR, at(20))
        )
    assert info.value.field == "rung"


# --- closing ---------------------------------------------------------------------------

AFTER_CLOSE: list[Callable[[DevelopmentCase], Any]] = [
    lambda c: c.record_self_assessment(assessment=self_assessment(), by=By(EMP, at(300))),
    lambda c: c.request_meeting(proposed_for=at(320), by=By(EMP, at(300))),
    lambda c: c.hold_check_in(notes="n", progress=[], by=By(EMP, at(300))),
    lambda c: c.readjust_goal(goal=goal(), reason="r", by=By(EMP, at(300))),
    lambda c: c.change_manager(participants=participants(manager="x"), by=By("hr", at(300))),
]


@pytest.mark.parametrize("step", AFTER_CLOSE)
def test_a_closed_case_accepts_nothing(step: Callable[[DevelopmentCase], Any]) -> None:
    case = walk(new_case(), Phase.PLAN_APPROVED)
    case.close(by=By("hr", at(290)))
    before = case.version
    with pytest.raises(errors.CaseIsClosed):
        step(case)
    assert case.version == before


def test_timer_steps_on_a_closed_case_record_nothing() -> None:
    case = walk(new_case(), Phase.PLAN_APPROVED)
    case.close(by=By("hr", at(290)))
    before = case.version
    assert not case.close(by=By("hr", at(291)))
    assert not case.record_reminder(
        deadline="x", owner=Party.EMPLOYEE, reason="r", by=By(SYSTEM_ACTOR, at(291))
    )
    assert not case.escalate(
        deadline="x", rung=Rung.MANAGER, reason="r", by=By(SYSTEM_ACTOR, at(291))
    )
    assert not case.mark_check_in_due(number=1, due_at=at(291), by=By(SYSTEM_ACTOR, at(291)))
    assert case.version == before


def test_closing_records_the_outcome_and_what_is_unfinished() -> None:
    done = walk(new_case(), Phase.PLAN_APPROVED)
    done.close(by=By("hr", at(300)))
    assert done.outcome is CaseOutcome.PLAN_APPROVED
    assert done.pending_events[-1].unfinished == ["self_assessment", "recap"]  # type: ignore[attr-defined]

    stalled = walk(new_case(), Phase.MEETING_SCHEDULED)
    stalled.close(by=By("hr", at(300)))
    assert stalled.outcome is CaseOutcome.INCOMPLETE
    assert stalled.pending_events[-1].phase_at_close == "meeting_scheduled"  # type: ignore[attr-defined]

    left = new_case()
    left.close(outcome=CaseOutcome.WITHDRAWN, by=By("hr", at(30)))
    assert left.outcome is CaseOutcome.WITHDRAWN


# --- idempotency keys --------------------------------------------------------------------


def test_the_same_idempotency_key_adds_no_event() -> None:
    case = walk(new_case(), Phase.MEETING_REQUESTED)
    assert case.accept_meeting(by=By(MGR, at(2), "k-1"))
    version = case.version
    assert not case.accept_meeting(by=By(MGR, at(2), "k-1"))
    assert case.version == version


def test_a_key_reused_for_another_command_is_refused() -> None:
    case = walk(new_case(), Phase.MEETING_REQUESTED)
    case.accept_meeting(by=By(MGR, at(2), "k-1"))
    with pytest.raises(errors.IdempotencyKeyReused):
        case.share_agenda(agenda=agenda(), by=By(EMP, at(3), "k-1"))


def test_idempotency_keys_survive_replay() -> None:
    case = walk(new_case(), Phase.MEETING_REQUESTED)
    case.accept_meeting(by=By(MGR, at(2), "k-1"))
    replayed: Any = None
    for event in case.collect_events():
        replayed = event.mutate(replayed)
    assert replayed.idempotency_keys == {"k-1": ("MeetingAccepted", None)}
    assert not replayed.accept_meeting(by=By(MGR, at(2), "k-1"))


def test_a_reminder_owner_given_as_text_still_names_the_right_person() -> None:
    case = new_case()
    case.record_reminder(deadline="prep", owner="employee", reason="r", by=By(SYSTEM_ACTOR, at(12)))  # type: ignore[arg-type]
    case.escalate(deadline="prep", rung=2, reason="r", by=By(SYSTEM_ACTOR, at(20)))  # type: ignore[arg-type]
    assert case.reminders == {"prep": EMP}
    assert case.escalations == {("prep", 2): SKIP}


def test_an_ad_hoc_check_in_gets_the_next_number_and_shows_in_the_case() -> None:
    case = walk(new_case(), Phase.PLAN_APPROVED)
    case.hold_check_in(notes="early chat", progress=[], by=By(MGR, at(20)))
    assert sorted(case.check_ins) == [1]
    assert case.check_ins[1].held_at == at(20)
    assert case.check_ins_held == 1
    assert case.open_check_in is None
    assert case.mark_check_in_due(number=2, due_at=at(44), by=By(SYSTEM_ACTOR, at(44)))
    case.hold_check_in(notes="on time", progress=[], by=By(EMP, at(45)))
    assert case.check_ins[2].held_at == at(45)
