"""Absences over HTTP: recorded with a delegate, who then sees and takes the absent
manager's steps on their behalf (history and messages say so); reminders go to the
delegate; an absent employee's deadlines move, and ending early moves them back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.base import SYSTEM_ACTOR
from domain.timer_commands import EscalateCase, RemindCase
from domain.values import Party, Rung
from tests.api import conftest as c
from tests.api.conftest import Api
from tests.api.test_career_framework import plan
from tests.api.test_inbox import notify
from tests.factories import T0

DELEGATE = "katherine"
"""Sales, unrelated to Ada: sees nothing of hers until Grace names her."""


def day(n: int) -> str:
    return (T0 + timedelta(days=n)).date().isoformat()


def fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {e["field"] for e in response.json()["errors"]}


def tasks_of(api: Api, who: str) -> list[dict[str, Any]]:
    return list(api.ok(api.get("/me/tasks", who))["tasks"])


def test_bad_absences_are_refused_with_their_field_and_write_nothing(api: Api) -> None:
    before = api.application.get_roster().version
    assert fields(api.post("/absences", c.MANAGER, {"starts_on": day(5), "ends_on": day(3)})) == {
        "ends_on"
    }
    itself = {"starts_on": day(5), "ends_on": day(6), "delegate_id": c.MANAGER}
    assert fields(api.post("/absences", c.MANAGER, itself)) == {"delegate_id"}
    nobody = {"starts_on": day(5), "ends_on": day(6), "delegate_id": "nobody"}
    assert fields(api.post("/absences", c.MANAGER, nobody)) == {"delegate_id"}
    long = {"starts_on": day(5), "ends_on": day(400)}
    assert fields(api.post("/absences", c.MANAGER, long)) == {"ends_on"}
    assert fields(api.post("/absences", c.MANAGER, {"starts_on": day(5)})) == {"ends_on"}
    # someone else's absence: only they, HR admins and their HR partner record it
    for_ada = {"employee_id": c.EMPLOYEE, "starts_on": day(5), "ends_on": day(6)}
    assert api.post("/absences", c.STRANGER, for_ada).status_code == 404
    assert api.post("/absences", c.MANAGER, for_ada).status_code == 403
    assert api.application.get_roster().version == before

    api.ok(api.post("/absences", c.HR_PARTNER, for_ada), 201)
    overlapping = {"starts_on": day(6), "ends_on": day(8)}
    assert fields(api.post("/absences", c.EMPLOYEE, overlapping)) == {"starts_on"}
    listed = api.ok(api.get("/absences", c.EMPLOYEE))["absences"]
    assert [(a["starts_on"], a["ends_on"], a["state"]) for a in listed] == [
        (day(5), day(6), "upcoming")
    ]
    assert api.get(f"/absences?employee_id={c.EMPLOYEE}", c.STRANGER).status_code == 404


def test_a_delegate_takes_the_absent_managers_steps_on_their_behalf(api: Api) -> None:
    case = api.hold_meeting()  # day 10
    api.ok(api.post(f"{case}/plan", c.EMPLOYEE, plan([])))
    api.ok(api.post(f"{case}/plan/submit", c.EMPLOYEE))
    assert api.post(f"{case}/plan/approve", DELEGATE, {}).status_code == 404

    away = {"starts_on": day(12), "ends_on": day(20), "delegate_id": DELEGATE}
    recorded = api.ok(api.post("/absences", c.MANAGER, away, key="grace-away-1"), 201)
    again = api.ok(api.post("/absences", c.MANAGER, away, key="grace-away-1"), 201)
    assert again["number"] == recorded["number"]  # the same key records it once

    api.clock.to(13)
    api.project()
    mine = api.ok(api.get("/absences", DELEGATE))
    assert mine["acting_for"] == [c.MANAGER]
    review = [t for t in tasks_of(api, DELEGATE) if t["task"] == "review_plan"]
    assert [(t["employee_id"], t["on_behalf_of"]) for t in review] == [(c.EMPLOYEE, c.MANAGER)]
    assert api.post(f"{case}/plan/approve", c.EMPLOYEE, {}).status_code == 403  # not for Ada

    approved = api.ok(api.post(f"{case}/plan/approve", DELEGATE, {}))
    assert approved["phase"] == "plan_approved"
    history = api.ok(api.get(f"{case}/history", c.EMPLOYEE))["entries"]
    entry = next(e for e in history if e["event"] == "PlanApproved")
    assert (entry["actor"], entry["on_behalf_of"]) == (DELEGATE, c.MANAGER)
    notify(api)
    told = api.ok(api.get("/me/inbox", c.EMPLOYEE))
    approval = next(m for m in told if m["subject"] == "Your development plan is approved")
    assert f"{DELEGATE} (for {c.MANAGER}, who is away) approved version 1." in approval["body"]


def test_reminders_and_escalations_go_to_whoever_stands_in(api: Api) -> None:
    case_id = api.case_id()
    case = f"/cases/{case_id}"
    api.clock.to(1)
    api.ok(
        api.post(
            f"{case}/meeting/request",
            c.EMPLOYEE,
            {"proposed_for": (T0 + timedelta(days=12)).isoformat()},
        )
    )
    api.ok(api.post("/absences", c.MANAGER, {"starts_on": day(2), "ends_on": day(9)}), 201)
    api.clock.to(3)  # Grace is away and named nobody: the ladder passes to Edsger
    remind = RemindCase(deadline="meeting_response:1", owner=Party.MANAGER, reason="due soon")
    api.application.execute(case_id, remind, actor=SYSTEM_ACTOR, at=api.clock())
    history = api.ok(api.get(f"{case}/history", c.EMPLOYEE))["entries"]
    sent = next(e for e in history if e["event"] == "ReminderSent")
    assert (sent["payload"]["recipient_id"], sent["payload"]["covering"]) == (c.SKIP, c.MANAGER)

    number = api.ok(api.get("/absences", c.MANAGER))["absences"][0]["number"]
    api.clock.to(4)
    ended = api.ok(api.post(f"/absences/{number}/end", c.MANAGER))
    assert (ended["ended_early"], ended["state"]) == (True, "over")
    escalate = EscalateCase(deadline="meeting_response:1", rung=Rung.MANAGER, reason="late")
    api.application.execute(case_id, escalate, actor=SYSTEM_ACTOR, at=api.clock())
    history = api.ok(api.get(f"{case}/history", c.EMPLOYEE))["entries"]
    escalated = next(e for e in history if e["event"] == "Escalated")
    assert (escalated["payload"]["recipient_id"], escalated["payload"]["covering"]) == (
        c.MANAGER,
        None,
    )  # back: to Grace herself


def test_an_absent_employees_deadlines_move_and_move_back_when_it_ends_early(api: Api) -> None:
    def prep_due() -> str:
        api.project()
        return next(str(t["due_at"]) for t in tasks_of(api, c.EMPLOYEE) if t["task"] == "prepare")

    assert prep_due().startswith(day(14))  # the policy's P14D after the case opened
    api.clock.to(1)
    # Ada (Europe/London: UTC in January) is away for 7 whole days, days 2 to 8
    away = api.ok(api.post("/absences", c.EMPLOYEE, {"starts_on": day(2), "ends_on": day(8)}), 201)
    assert prep_due().startswith(day(21))
    history = api.ok(api.get(f"/cases/{api.case_id()}/history", c.EMPLOYEE))["entries"]
    assert any(e["event"] == "AbsenceNoted" for e in history)

    api.clock.to(4)  # back early, on day 4 at 09:00: away 2 days and 9 hours
    api.ok(api.post(f"/absences/{away['number']}/end", c.EMPLOYEE))
    assert prep_due().startswith((T0 + timedelta(days=16, hours=9)).date().isoformat())


def test_a_case_opened_during_an_absence_is_told_of_it(api: Api) -> None:
    api.clock.to(1)
    away = {"starts_on": day(2), "ends_on": day(8)}
    api.ok(api.post("/absences", c.EMPLOYEE, away), 201)
    second = {"name": "Spring", "opens_at": api.clock().isoformat(),
              "closes_at": (T0 + timedelta(days=200)).isoformat()}  # fmt: skip
    cycle = api.ok(api.post("/cycles", c.HR_ADMIN, second), 201)
    api.ok(api.post(f"/cycles/{cycle['id']}/open", c.HR_ADMIN))
    case = api.application.case_for(UUID(cycle["id"]), c.EMPLOYEE)
    assert [(end - start).days for start, end in case.absences.values()] == [7]
    assert api.application.case_for(UUID(cycle["id"]), c.STRANGER).absences == {}
