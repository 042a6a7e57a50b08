"""Every case deadline and every rung, on the time-skipping server."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from uuid import UUID

from temporalio.testing import WorkflowEnvironment

from application.service import CareerFlow
from domain.commands import AcceptMeeting, HoldMeeting, RecordSelfAssessment, RequestMeeting
from domain.plan_commands import ApprovePlan, DraftPlan, HoldCheckIn, SubmitPlan
from domain.values import Participants, Policy
from tests.factories import open_cycle_with, self_assessment
from tests.workflows.conftest import Stack, events, now, run_stack
from workflows.case_workflow import case_workflow_id

DAY = timedelta(days=1)
# Windows far apart, so each test sees only the deadline it is about.
QUIET = Policy(
    prep_window=timedelta(days=400),
    meeting_request_window=timedelta(days=400),
)


async def open_case(
    env: WorkflowEnvironment,
    stack: Stack,
    policy: Policy,
    okr_planning_on: date | None = None,
    **people: str | None,
) -> UUID:
    app = stack.app
    start = await now(env)
    who: dict[str, str | None] = {
        "employee_id": "emp",
        "manager_id": "mgr",
        "skip_level_id": "skip",
        "hr_partner_id": "hrp",
    }
    person = Participants.model_validate(who | people)
    cycle_id = open_cycle_with(
        app, [person], start=start, closes=start + 300 * DAY, policy=policy,
        okr_planning_on=okr_planning_on,
    )  # fmt: skip
    case_id = app.case_for(cycle_id, "emp").id
    await stack.settle(case_workflow_id(case_id))
    return case_id


def follow_ups(app: CareerFlow, case_id: UUID) -> list[tuple[str, str, str, int | None]]:
    """(event, deadline, recipient, rung) of every reminder and escalation."""
    return [
        (name, data["deadline"], data["recipient_id"], data.get("rung"))
        for name, data in events(app, case_id)
        if name in ("ReminderSent", "Escalated")
    ]


async def test_out_of_the_sandbox_as_careerflow_worker_runs_the_reminder_and_escalation_come(
    time_skipping: WorkflowEnvironment, fresh_app: CareerFlow
) -> None:
    """``careerflow worker`` runs the workflows without Temporal's sandbox; the same
    deadlines fire, and on the way out their histories replay in the sandbox."""
    async with run_stack(time_skipping.client, fresh_app, sandboxed=False) as stack:
        policy = QUIET.model_copy(update={"prep_window": 14 * DAY})
        case_id = await open_case(time_skipping, stack, policy)
        await time_skipping.sleep(12.1 * DAY)
        assert follow_ups(fresh_app, case_id) == [("ReminderSent", "prep", "emp", None)]
        await time_skipping.sleep(4 * DAY)
        assert follow_ups(fresh_app, case_id)[-1] == ("Escalated", "prep", "mgr", 1)


async def test_the_prep_deadline_reminds_then_climbs_every_rung(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    policy = QUIET.model_copy(update={"prep_window": 14 * DAY})
    case_id = await open_case(time_skipping, stack, policy)
    await time_skipping.sleep(11.9 * DAY)
    assert follow_ups(stack.app, case_id) == []
    await time_skipping.sleep(0.2 * DAY)  # day 12.1: reminder_lead P2D before the deadline
    assert follow_ups(stack.app, case_id) == [("ReminderSent", "prep", "emp", None)]
    await time_skipping.sleep(4 * DAY)  # day 16.1: deadline + P2D → manager
    assert follow_ups(stack.app, case_id)[-1] == ("Escalated", "prep", "mgr", 1)
    await time_skipping.sleep(3 * DAY)  # day 19.1: + P3D → skip-level
    assert follow_ups(stack.app, case_id)[-1] == ("Escalated", "prep", "skip", 2)
    await time_skipping.sleep(5 * DAY)  # day 24.1: + P5D → HR partner
    assert follow_ups(stack.app, case_id) == [
        ("ReminderSent", "prep", "emp", None),
        ("Escalated", "prep", "mgr", 1),
        ("Escalated", "prep", "skip", 2),
        ("Escalated", "prep", "hrp", 3),
    ]
    await time_skipping.sleep(30 * DAY)
    assert len(follow_ups(stack.app, case_id)) == 4


async def requested_case(env: WorkflowEnvironment, stack: Stack) -> UUID:
    """A case whose meeting was requested just now (for ten days ahead)."""
    case_id = await open_case(env, stack, QUIET)
    t0 = await now(env)
    stack.app.execute(case_id, RequestMeeting(proposed_for=t0 + 10 * DAY), actor="emp", at=t0)
    await stack.settle(case_workflow_id(case_id))
    return case_id


async def test_an_unanswered_meeting_request_reminds_the_manager_then_skips_to_skip_level(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    case_id = await requested_case(time_skipping, stack)
    await time_skipping.sleep(1.1 * DAY)  # P3D response time, reminder P2D before
    assert follow_ups(stack.app, case_id) == [("ReminderSent", "meeting_response:1", "mgr", None)]
    await time_skipping.sleep(5 * DAY)  # day 6.1: deadline (3) + skip-level delay (3)
    assert follow_ups(stack.app, case_id)[-1] == ("Escalated", "meeting_response:1", "skip", 2)
    await time_skipping.sleep(5 * DAY)  # day 11.1: + HR delay (5)
    assert follow_ups(stack.app, case_id)[-1] == ("Escalated", "meeting_response:1", "hrp", 3)
    assert not any(rung == 1 for *_, rung in follow_ups(stack.app, case_id))


async def test_an_answer_just_before_the_deadline_stops_the_ladder(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    case_id = await requested_case(time_skipping, stack)
    await time_skipping.sleep(2.9 * DAY)
    stack.app.execute(case_id, AcceptMeeting(), actor="mgr", at=await now(time_skipping))
    await stack.settle(case_workflow_id(case_id))
    await time_skipping.sleep(20 * DAY)
    assert follow_ups(stack.app, case_id) == [("ReminderSent", "meeting_response:1", "mgr", None)]


async def hold_meeting(stack: Stack, env: WorkflowEnvironment, case_id: UUID) -> datetime:
    """Request, accept, and a week later hold the meeting; returns when it was held."""
    t = await now(env)
    app = stack.app
    app.execute(case_id, RequestMeeting(proposed_for=t + 7 * DAY), actor="emp", at=t)
    app.execute(case_id, AcceptMeeting(), actor="mgr", at=t)
    await stack.settle(case_workflow_id(case_id))  # answered at once: no meeting_response timer
    await env.sleep(7 * DAY)
    t = await now(env)
    app.execute(case_id, HoldMeeting(held_at=t), actor="mgr", at=t)
    return t


async def approve(stack: Stack, env: WorkflowEnvironment, case_id: UUID) -> None:
    from tests.factories import goal, plan

    app = stack.app
    t = await hold_meeting(stack, env, case_id)
    app.execute(case_id, DraftPlan.of(plan(goal(due_on=(t + 100 * DAY).date()))), actor="emp", at=t)
    app.execute(case_id, SubmitPlan(), actor="emp", at=t)
    app.execute(case_id, ApprovePlan(), actor="mgr", at=t)
    await stack.settle(case_workflow_id(case_id))


async def test_a_late_plan_and_a_late_approval_each_climb_their_ladder(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    from tests.factories import goal, plan

    case_id = await open_case(time_skipping, stack, QUIET)
    app = stack.app
    await hold_meeting(stack, time_skipping, case_id)
    await stack.settle(case_workflow_id(case_id))
    await time_skipping.sleep(16.1 * DAY)  # plan due P14D, + P2D → manager
    assert [f[:2] for f in follow_ups(app, case_id)] == [
        ("ReminderSent", "plan_due"),
        ("Escalated", "plan_due"),
    ]
    t = await now(time_skipping)
    app.execute(case_id, DraftPlan.of(plan(goal(due_on=(t + 100 * DAY).date()))), actor="emp", at=t)
    app.execute(case_id, SubmitPlan(), actor="emp", at=t)
    await stack.settle(case_workflow_id(case_id))
    await time_skipping.sleep(8.1 * DAY)  # approval SLA P5D + P3D → skip-level
    assert follow_ups(app, case_id)[-2:] == [
        ("ReminderSent", "approval:1", "mgr", None),
        ("Escalated", "approval:1", "skip", 2),
    ]


async def test_check_ins_come_due_on_the_cadence_and_are_missed_after_the_grace(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    policy = QUIET.model_copy(update={"checkin_cadence": 30 * DAY, "checkin_grace": 7 * DAY})
    case_id = await open_case(time_skipping, stack, policy)
    await approve(stack, time_skipping, case_id)
    await time_skipping.sleep(30.1 * DAY)
    case = stack.app.get_case(case_id)
    assert sorted(case.check_ins) == [1]
    stack.app.execute(
        case_id, HoldCheckIn(notes="on track"), actor="mgr", at=await now(time_skipping)
    )
    await stack.settle(case_workflow_id(case_id))
    await time_skipping.sleep(30 * DAY)  # check-in 2 due at day 60
    await stack.settle(case_workflow_id(case_id))  # the workflow has seen it fall due
    await time_skipping.sleep(7.1 * DAY)  # not held within the grace → missed
    for _ in range(100):  # the activity that records it may still be under way
        if stack.app.get_case(case_id).check_ins[2].missed:
            break
        await asyncio.sleep(0.05)
    case = stack.app.get_case(case_id)
    assert case.check_ins[1].held_at is not None
    assert not case.check_ins[1].missed
    assert case.check_ins[2].missed
    names = [n for n, _ in events(stack.app, case_id)]
    assert names.count("CheckInDue") == 2
    assert names.count("CheckInMissed") == 1


async def test_a_reminder_to_meet_before_okr_planning(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    okr = (await now(time_skipping) + 20 * DAY).date()
    case_id = await open_case(time_skipping, stack, QUIET, okr_planning_on=okr)
    await time_skipping.sleep(16 * DAY)
    assert follow_ups(stack.app, case_id) == []
    await time_skipping.sleep(3 * DAY)  # OKR day minus P2D
    assert follow_ups(stack.app, case_id) == [("ReminderSent", "okr_planning", "emp", None)]


async def test_a_missing_skip_level_is_passed_over(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    policy = QUIET.model_copy(update={"prep_window": 5 * DAY})
    case_id = await open_case(time_skipping, stack, policy, skip_level_id=None)
    await time_skipping.sleep(20 * DAY)
    assert follow_ups(stack.app, case_id) == [
        ("ReminderSent", "prep", "emp", None),
        ("Escalated", "prep", "mgr", 1),
        ("Escalated", "prep", "hrp", 3),
    ]


async def test_a_meeting_not_requested_by_its_deadline_escalates_and_a_request_stops_it(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    policy = QUIET.model_copy(update={"meeting_request_window": 21 * DAY})
    case_id = await open_case(time_skipping, stack, policy)
    stack.app.execute(
        case_id,
        RecordSelfAssessment.of(self_assessment()),
        actor="emp",
        at=await now(time_skipping),
    )
    await stack.settle(case_workflow_id(case_id))
    await time_skipping.sleep(19.1 * DAY)  # reminder P2D before day 21
    assert follow_ups(stack.app, case_id) == [("ReminderSent", "meeting_request", "emp", None)]
    await time_skipping.sleep(4 * DAY)  # day 23.1: + P2D → manager
    assert follow_ups(stack.app, case_id)[-1] == ("Escalated", "meeting_request", "mgr", 1)
    t = await now(time_skipping)
    stack.app.execute(case_id, RequestMeeting(proposed_for=t + 8 * DAY), actor="emp", at=t)
    stack.app.execute(case_id, AcceptMeeting(), actor="mgr", at=t)
    await stack.settle(case_workflow_id(case_id))
    await time_skipping.sleep(30 * DAY)
    assert [f[1] for f in follow_ups(stack.app, case_id)] == ["meeting_request", "meeting_request"]
