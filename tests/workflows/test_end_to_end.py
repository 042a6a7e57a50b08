"""End to end on the Temporal dev server: a cycle whose policy is in seconds, real timers.

Three employees go through the process at once: Ann does every step on time,
Bob does nothing (his preparation escalates to HR), Cid lets an action item go
overdue. HR opens the cycle through the application; the relay starts the cycle
workflow, which closes it at its close date; every history is then
replayed with the current workflow code (``run_stack``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from temporalio.testing import WorkflowEnvironment

from application.service import CareerFlow
from domain.commands import (
    AcceptMeeting,
    HoldMeeting,
    RecordSelfAssessment,
    RequestMeeting,
    ShareAgenda,
    ShareRecap,
)
from domain.item_commands import CompleteActionItem
from domain.plan_commands import ApprovePlan, DraftPlan, HoldCheckIn, SubmitPlan
from domain.values import (
    ActionItemSpec,
    EscalationLadder,
    GoalProgress,
    Participants,
    Policy,
    Recap,
)
from tests.factories import agenda, goal, plan, self_assessment
from tests.workflows.conftest import events, run_stack
from workflows.case_workflow import case_workflow_id
from workflows.cycle_workflow import cycle_workflow_id
from workflows.payloads import CaseSummary

S = timedelta(seconds=1)
POLICY = Policy(
    prep_window=6 * S,
    meeting_request_window=40 * S,
    meeting_response=20 * S,
    meeting_notice=1 * S,
    plan_due=20 * S,
    approval_sla=20 * S,
    checkin_cadence=4 * S,
    checkin_grace=30 * S,
    reminder_lead=1 * S,
    escalation=EscalationLadder(manager=1 * S, skip_level=1 * S, hr_partner=1 * S),
)


def utcnow() -> datetime:
    return datetime.now(UTC)


async def eventually(check: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


def names(app: CareerFlow, aggregate_id: UUID) -> list[str]:
    return [name for name, _ in events(app, aggregate_id)]


async def test_a_cycle_in_seconds_runs_end_to_end(
    dev_server: WorkflowEnvironment, fresh_app: CareerFlow
) -> None:
    app = fresh_app
    async with run_stack(dev_server.client, app) as stack:
        cycle_id = uuid4()
        start = utcnow()
        closes = start + 30 * S
        app.create_cycle(
            cycle_id=cycle_id, name="seconds", opens_at=start - 1 * S, closes_at=closes,
            policy=POLICY, actor="hr", at=start,
        )  # fmt: skip
        people = [
            Participants(employee_id=e, manager_id="mgr", skip_level_id="skip", hr_partner_id="hrp")
            for e in ("ann", "bob", "cid")
        ]
        app.open_cycle(cycle_id, population=people, actor="hr", at=start)
        stack.extra_workflow_ids.add(cycle_workflow_id(cycle_id))
        ann, bob, cid = (app.case_for(cycle_id, e).id for e in ("ann", "bob", "cid"))

        # Ann and Cid do every step promptly; each agrees one action item.
        for case_id, employee in ((ann, "ann"), (cid, "cid")):
            app.execute(
                case_id, RecordSelfAssessment.of(self_assessment()), actor=employee, at=utcnow()
            )
            asked = utcnow()
            app.execute(
                case_id, RequestMeeting(proposed_for=asked + 1 * S), actor=employee, at=asked
            )
            app.execute(case_id, AcceptMeeting(), actor="mgr", at=utcnow())
            app.execute(case_id, ShareAgenda.of(agenda()), actor=employee, at=utcnow())
        await asyncio.sleep(1.1)
        for case_id, employee, item_due in ((ann, "ann", 20 * S), (cid, "cid", 3 * S)):
            held = utcnow()
            app.execute(case_id, HoldMeeting(held_at=held), actor="mgr", at=held)
            spec = ActionItemSpec(
                title="Shadow an incident review", owner_id=employee, due_at=held + item_due
            )
            recap = Recap(learned="wants to lead", action_items=[spec], follow_up_on=held.date())
            app.execute(case_id, ShareRecap.of(recap), actor="mgr", at=utcnow())
            app.execute(
                case_id, DraftPlan.of(plan(goal(due_on=closes.date()))), actor=employee, at=utcnow()
            )
            app.execute(case_id, SubmitPlan(), actor=employee, at=utcnow())
            app.execute(case_id, ApprovePlan(), actor="mgr", at=utcnow())
        (ann_item,) = app.get_case(ann).action_item_ids
        (cid_item,) = app.get_case(cid).action_item_ids
        app.execute(ann_item, CompleteActionItem(), actor="ann", at=utcnow())

        # Bob's preparation: reminder at 5 s, then manager, skip-level, HR partner.
        await eventually(lambda: names(app, bob).count("Escalated") == 3, what="bob's escalations")
        # Cid's item: reminder, overdue, then the ladder.
        await eventually(
            lambda: names(app, cid_item).count("Escalated") == 3, what="cid's item ladder"
        )
        # Ann's check-ins come due on the cadence; she holds the first.
        await eventually(lambda: "CheckInDue" in names(app, ann), what="ann's check-in")
        app.execute(
            ann,
            HoldCheckIn(notes="good", progress=[GoalProgress(goal_id="g1", percent=40)]),
            actor="mgr",
            at=utcnow(),
        )
        # The cycle workflow closes every case at the close date; case workflows end.
        cycle = dev_server.client.get_workflow_handle(cycle_workflow_id(cycle_id), result_type=bool)
        assert await asyncio.wait_for(cycle.result(), timeout=60) is True
        assert app.get_cycle(cycle_id).status == "closed"
        for case_id in (ann, bob, cid):
            handle = dev_server.client.get_workflow_handle(
                case_workflow_id(case_id), result_type=CaseSummary
            )
            summary = await asyncio.wait_for(handle.result(), timeout=30)
            assert summary.phase == "closed"
        await stack.settle()

    assert app.get_case(ann).outcome == "plan_approved"
    assert app.get_case(bob).outcome == "incomplete"
    bob_followups = [
        (n, d["recipient_id"]) for n, d in events(app, bob) if n in ("ReminderSent", "Escalated")
    ]
    assert bob_followups[:4] == [
        ("ReminderSent", "bob"), ("Escalated", "mgr"), ("Escalated", "skip"), ("Escalated", "hrp"),
    ]  # fmt: skip
    ann_item_events = names(app, ann_item)
    assert "ActionItemOverdue" not in ann_item_events
    assert "Escalated" not in ann_item_events
    cid_item_events = names(app, cid_item)
    assert cid_item_events[:3] == ["ActionItemAgreed", "ReminderSent", "ActionItemOverdue"]
    assert "CheckInHeld" in names(app, ann)
    # No reminder or escalation was recorded twice for the same deadline and rung.
    for aggregate in (ann, bob, cid, ann_item, cid_item):
        keys = [
            (n, d["deadline"], d.get("rung"))
            for n, d in events(app, aggregate)
            if n in ("ReminderSent", "Escalated")
        ]
        assert len(keys) == len(set(keys))
