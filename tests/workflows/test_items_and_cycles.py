"""Action-item timers and the cycle workflow, on the time-skipping server."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain.commands import RecordSelfAssessment, ShareRecap
from domain.item_commands import CompleteActionItem, RescheduleActionItem
from domain.values import ActionItemSpec, Participants, Policy, Recap
from tests.factories import open_cycle_with, self_assessment
from tests.workflows.conftest import Stack, events, now
from tests.workflows.test_case_deadlines import QUIET, hold_meeting, open_case
from workflows.action_item_workflow import item_workflow_id
from workflows.case_workflow import case_workflow_id
from workflows.cycle_workflow import cycle_workflow_id
from workflows.payloads import CaseSummary

DAY = timedelta(days=1)


async def agreed_item(
    env: WorkflowEnvironment, stack: Stack, due_in: timedelta, owner: str = "emp"
) -> UUID:
    case_id = await open_case(env, stack, QUIET)
    app = stack.app
    t = await hold_meeting(stack, env, case_id)
    spec = ActionItemSpec(title="Book the course", owner_id=owner, due_at=t + due_in)
    recap = Recap(learned="l", action_items=[spec], follow_up_on=(t + DAY).date())
    (item_id,) = app.execute(case_id, ShareRecap.of(recap), actor="mgr", at=t).case.action_item_ids
    await stack.settle(item_workflow_id(item_id))
    return item_id


def item_events(stack: Stack, item_id: UUID) -> list[tuple[str, str | None, int | None]]:
    return [
        (name, data.get("recipient_id"), data.get("rung"))
        for name, data in events(stack.app, item_id)
        if name not in ("ActionItemAgreed",)
    ]


async def test_an_item_is_reminded_goes_overdue_and_climbs_the_ladder(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    item_id = await agreed_item(time_skipping, stack, 10 * DAY)
    await time_skipping.sleep(7.9 * DAY)
    assert item_events(stack, item_id) == []
    await time_skipping.sleep(0.2 * DAY)  # day 8.1: reminder (P2D lead) to the owner
    assert item_events(stack, item_id) == [("ReminderSent", "emp", None)]
    await time_skipping.sleep(2 * DAY)  # day 10.1: overdue
    assert item_events(stack, item_id)[-1] == ("ActionItemOverdue", None, None)
    await time_skipping.sleep(10 * DAY)  # +2 manager, +3 skip-level, +5 HR partner
    assert item_events(stack, item_id) == [
        ("ReminderSent", "emp", None),
        ("ActionItemOverdue", None, None),
        ("Escalated", "mgr", 1),
        ("Escalated", "skip", 2),
        ("Escalated", "hrp", 3),
    ]


async def test_an_item_the_manager_owns_escalates_first_to_the_skip_level(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    item_id = await agreed_item(time_skipping, stack, 10 * DAY, owner="mgr")
    await time_skipping.sleep(10.1 * DAY)  # reminder to the owner, then overdue
    assert item_events(stack, item_id) == [
        ("ReminderSent", "mgr", None),
        ("ActionItemOverdue", None, None),
    ]
    await time_skipping.sleep(10 * DAY)  # + P3D skip-level, + P5D HR partner; no rung 1
    assert item_events(stack, item_id) == [
        ("ReminderSent", "mgr", None),
        ("ActionItemOverdue", None, None),
        ("Escalated", "skip", 2),
        ("Escalated", "hrp", 3),
    ]


async def test_completed_just_before_the_deadline_means_no_overdue_and_no_escalation(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    item_id = await agreed_item(time_skipping, stack, 10 * DAY)
    await time_skipping.sleep(9.9 * DAY)
    stack.app.execute(item_id, CompleteActionItem(), actor="emp", at=await now(time_skipping))
    await stack.settle(item_workflow_id(item_id))
    await time_skipping.sleep(30 * DAY)
    assert item_events(stack, item_id) == [
        ("ReminderSent", "emp", None),
        ("ActionItemCompleted", None, None),
    ]
    handle = stack.client.get_workflow_handle(item_workflow_id(item_id))
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_a_reschedule_restarts_the_timers(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    item_id = await agreed_item(time_skipping, stack, 10 * DAY)
    await time_skipping.sleep(9 * DAY)  # reminded at day 8
    t = await now(time_skipping)
    stack.app.execute(
        item_id,
        RescheduleActionItem(new_due_at=t + 10 * DAY, reason="Course moved"),
        actor="emp",
        at=t,
    )
    await stack.settle(item_workflow_id(item_id))
    await time_skipping.sleep(2 * DAY)  # the old due time passes: nothing
    assert [e[0] for e in item_events(stack, item_id)] == ["ReminderSent", "ActionItemRescheduled"]
    await time_skipping.sleep(6.1 * DAY)  # new due - P2D: a new reminder
    await time_skipping.sleep(2 * DAY)  # new due: overdue
    await time_skipping.sleep(2 * DAY)  # + P2D: manager
    assert [e[0] for e in item_events(stack, item_id)] == [
        "ReminderSent", "ActionItemRescheduled", "ReminderSent", "ActionItemOverdue", "Escalated",
    ]  # fmt: skip


async def open_cycle_of(stack: Stack, start: datetime, people: int, days: int) -> UUID:
    """A cycle opened the way HR opens one: through the application (as the API does)."""
    population = [Participants(employee_id=f"e{i}", manager_id="mgr") for i in range(people)]
    return open_cycle_with(stack.app, population, start=start, closes=start + days * DAY)


async def test_the_relay_starts_the_cycle_workflow_which_closes_every_case_at_the_close_date(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    app, start = stack.app, await now(time_skipping)
    cycle_id = await open_cycle_of(stack, start, people=7, days=40)
    case_ids = [app.case_for(cycle_id, f"e{i}").id for i in range(7)]
    await stack.settle(cycle_workflow_id(cycle_id), *(case_workflow_id(c) for c in case_ids))
    handle = stack.client.get_workflow_handle(cycle_workflow_id(cycle_id), result_type=bool)
    stack.extra_workflow_ids.add(handle.id)
    await time_skipping.sleep(39 * DAY)
    assert app.get_cycle(cycle_id).status == "open"
    await time_skipping.sleep(1.1 * DAY)  # past the close date: the closing activity runs
    for _ in range(200):
        if app.get_cycle(cycle_id).status == "closed":
            break
        await time_skipping.sleep(timedelta(seconds=1))
    while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await time_skipping.sleep(timedelta(seconds=1))
    assert await handle.result() is True
    assert app.get_cycle(cycle_id).status == "closed"
    for case_id in case_ids:
        case = app.get_case(case_id)
        assert case.is_closed
        assert case.outcome == "incomplete"
        assert case.closed_at is not None
        assert case.closed_at >= start + 40 * DAY
        handle_for_case = stack.client.get_workflow_handle(
            case_workflow_id(case_id), result_type=CaseSummary
        )
        summary = await handle_for_case.result()
        assert summary.phase == "closed"


async def test_a_cycle_closed_by_hand_ends_its_workflow_without_closing_twice(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    start = await now(time_skipping)
    cycle_id = await open_cycle_of(stack, start, people=2, days=40)
    await stack.settle(cycle_workflow_id(cycle_id))
    stack.app.close_cycle(cycle_id, actor="hr", at=start + DAY)
    await stack.settle(cycle_workflow_id(cycle_id))
    handle = stack.client.get_workflow_handle(cycle_workflow_id(cycle_id), result_type=bool)
    stack.extra_workflow_ids.add(handle.id)
    assert await handle.result() is False
    assert [n for n, _ in events(stack.app, cycle_id)].count("CycleClosed") == 1


async def test_a_cycles_retention_erases_its_cases_personal_data_when_it_passes(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    app, start = stack.app, await now(time_skipping)
    population = [Participants(employee_id=f"e{i}", manager_id="mgr") for i in range(3)]
    policy = Policy(retention=timedelta(days=30))
    cycle_id = open_cycle_with(app, population, start=start, closes=start + 40 * DAY, policy=policy)
    case_id = app.case_for(cycle_id, "e0").id
    app.execute(case_id, RecordSelfAssessment.of(self_assessment()), actor="e0", at=start)
    app.close_cycle(cycle_id, actor="hr", at=start + DAY)
    assert app.get_cycle(cycle_id).data_expires_at == start + 31 * DAY
    await stack.settle(cycle_workflow_id(cycle_id))
    handle = stack.client.get_workflow_handle(cycle_workflow_id(cycle_id), result_type=bool)
    stack.extra_workflow_ids.add(handle.id)
    await time_skipping.sleep(29 * DAY)
    assert app.get_cycle(cycle_id).data_expired_at is None
    assessment = app.get_case(case_id).self_assessment
    assert assessment is not None
    assert assessment.aspirations.next_roles == ["Tech lead"]
    await time_skipping.sleep(2.1 * DAY)  # past the retention: the erasing activity runs
    for _ in range(200):
        if app.get_cycle(cycle_id).data_expired_at is not None:
            break
        await time_skipping.sleep(timedelta(seconds=1))
    assert await handle.result() is False  # closed by hand, then erased on time
    erased = app.get_case(case_id).self_assessment
    assert erased is not None
    assert erased.aspirations.next_roles == ["[erased]"]
    assert [n for n, _ in events(app, case_id)][-1] == "PersonalDataErased"
    assert [n for n, _ in events(app, cycle_id)].count("CycleDataExpired") == 1
    fresh = type(app)(env=app.env.copy())  # replays from the store, the key destroyed
    try:
        replayed = fresh.get_case(case_id).self_assessment
        assert replayed is not None
        assert replayed.skills[0].fit == "[erased]"
    finally:
        fresh.close()
