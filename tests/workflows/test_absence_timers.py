"""Absences on the time-skipping server: an absent employee's reminder comes as much
later as they are away; a reminder for an absent manager reaches their delegate."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from temporalio.testing import WorkflowEnvironment

from application.service import CareerFlow
from domain.commands import RequestMeeting
from domain.values import Policy
from tests.factories import open_cycle_with
from tests.workflows.conftest import Stack, events, now
from tests.workflows.test_new_hires import person
from workflows.case_workflow import case_workflow_id

DAY = timedelta(days=1)


async def case_on_a_roster(stack: Stack, start: datetime, policy: Policy) -> UUID:
    app = stack.app
    people = [person("skip", None), person("mgr", "skip"), person("hrp", "skip"),
              person("emp", "mgr", hr_partner_id="hrp"), person("dlg", "skip")]  # fmt: skip
    app.import_roster(people, source="t", actor="hr", at=start)
    population = [p for p in app.get_roster().population() if p.employee_id == "emp"]
    cycle_id = open_cycle_with(app, population, start=start, closes=start + 90 * DAY, policy=policy)
    case_id = app.case_for(cycle_id, "emp").id
    await stack.settle(case_workflow_id(case_id))
    return case_id


def away(
    stack: Stack, who: str, first: date, days: int, delegate: str | None, at: datetime
) -> None:
    """``who`` records an absence of ``days`` whole days from ``first``."""
    stack.app.record_absence(
        employee_id=who, starts_on=first, ends_on=first + (days - 1) * DAY,
        delegate_id=delegate, actor=who, at=at,
    )  # fmt: skip


def reminders(app: CareerFlow, case_id: UUID) -> list[tuple[str, str, str | None]]:
    return [
        (data["deadline"], data["recipient_id"], data.get("covering"))
        for name, data in events(app, case_id)
        if name == "ReminderSent"
    ]


async def test_an_absent_employees_reminder_waits_as_long_as_they_are_away(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    start = await now(time_skipping)
    policy = Policy(prep_window=14 * DAY, meeting_request_window=400 * DAY)
    case_id = await case_on_a_roster(stack, start, policy)
    first = start.date() + DAY  # seven whole days (UTC: the roster gives no time zone)
    away(stack, "emp", first, 7, None, start)
    await stack.settle(case_workflow_id(case_id))
    await time_skipping.sleep(12.5 * DAY)  # the reminder was due at day 12 (P2D before)
    assert reminders(stack.app, case_id) == []
    await time_skipping.sleep(7 * DAY)  # day 19.5: day 12 + the 7 days away
    assert reminders(stack.app, case_id) == [("prep", "emp", None)]


async def test_a_reminder_for_an_absent_manager_reaches_the_delegate(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    start = await now(time_skipping)
    quiet = Policy(prep_window=400 * DAY, meeting_request_window=400 * DAY)
    case_id = await case_on_a_roster(stack, start, quiet)
    app = stack.app
    away(stack, "mgr", start.date(), 6, "dlg", start)
    app.execute(case_id, RequestMeeting(proposed_for=start + 10 * DAY), actor="emp", at=start)
    await stack.settle(case_workflow_id(case_id))
    await time_skipping.sleep(1.5 * DAY)  # P3D to answer, the reminder P2D before
    assert reminders(app, case_id) == [("meeting_response:1", "dlg", "mgr")]


async def test_an_absent_hr_partner_at_rung_3_is_passed_over(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    start = await now(time_skipping)
    policy = Policy(prep_window=14 * DAY, meeting_request_window=400 * DAY)
    case_id = await case_on_a_roster(stack, start, policy)
    away(stack, "hrp", start.date(), 61, None, start)
    await time_skipping.sleep(30 * DAY)  # past rung 3 (day 14 + 2 + 3 + 5)
    escalated = [
        (data["rung"], data["recipient_id"])
        for name, data in events(stack.app, case_id)
        if name == "Escalated"
    ]
    assert escalated == [(1, "mgr"), (2, "skip")]
