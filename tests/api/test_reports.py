"""Every report against figures worked out by hand from a scripted cycle.

The demo company (ada, linus, alan report to grace in Engineering; margaret to
katherine in Sales; frances partners Executive, Engineering and Sales) runs this:

* ada: request day 1, accepted day 2 (24 h), held day 10, submitted day 13 (due day
  24: on time), approved day 14 (24 h: within the 5-day SLA), one check-in held; her
  action item (due day 40) overdue on day 41 and escalated to her manager on day 43.
* linus: request day 1, accepted day 6 (120 h: late, the policy gives 3 days), held
  day 10, submitted day 30 (late), approved day 40 (240 h: late), one check-in missed.
* margaret: request day 1, declined day 2 (24 h).
* everyone else with a manager (frances, hedy, edsger, grace, alan, katherine): preparing.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest

from domain.base import SYSTEM_ACTOR
from domain.commands import (
    AcceptMeeting,
    AddActionItem,
    DeclineMeeting,
    HoldMeeting,
    RequestMeeting,
)
from domain.plan_commands import ApprovePlan, DraftPlan, HoldCheckIn, SubmitPlan
from domain.timer_commands import EscalateItem, MarkCheckInDue, MarkCheckInMissed, MarkItemOverdue
from domain.values import Rung
from projections import report_queries
from tests.api.conftest import API, EMPLOYEE, HR_ADMIN, HR_PARTNER, MANAGER, Api
from tests.factories import CYCLE_CLOSES, T0, at, company, item_spec, plan

TITLE = "Read the design docs, then summarise"


@pytest.fixture
def scripted(api: Api) -> Api:
    app = api.application
    ada, linus, margaret = (api.case_id(e) for e in (EMPLOYEE, "linus", "margaret"))
    for case in (ada, linus, margaret):
        employee = app.get_case(case).employee_id
        app.execute(case, RequestMeeting(proposed_for=at(10)), actor=employee, at=at(1))
    app.execute(ada, AcceptMeeting(), actor=MANAGER, at=at(2))
    app.execute(linus, AcceptMeeting(), actor=MANAGER, at=at(6))
    app.execute(margaret, DeclineMeeting(reason="on leave"), actor="katherine", at=at(2))
    for case in (ada, linus):
        app.execute(case, HoldMeeting(held_at=at(10)), actor=MANAGER, at=at(10))
    item = app.execute(
        ada,
        AddActionItem.of(item_spec(owner=EMPLOYEE, due=40, title=TITLE)),
        actor=MANAGER,
        at=at(10.5),
    ).created[0]
    app.execute(ada, DraftPlan.of(plan()), actor=EMPLOYEE, at=at(12))
    app.execute(ada, SubmitPlan(), actor=EMPLOYEE, at=at(13))
    app.execute(ada, ApprovePlan(), actor=MANAGER, at=at(14))
    app.execute(linus, DraftPlan.of(plan()), actor="linus", at=at(29))
    app.execute(linus, SubmitPlan(), actor="linus", at=at(30))
    app.execute(linus, ApprovePlan(), actor=MANAGER, at=at(40))
    app.execute(item.id, MarkItemOverdue(), actor=SYSTEM_ACTOR, at=at(41))
    app.execute(
        item.id, EscalateItem(rung=Rung.MANAGER, reason="overdue"), actor=SYSTEM_ACTOR, at=at(43)
    )
    app.execute(ada, MarkCheckInDue(number=1, due_at=at(44)), actor=SYSTEM_ACTOR, at=at(44))
    app.execute(ada, HoldCheckIn(notes="on track"), actor=MANAGER, at=at(44))
    app.execute(linus, MarkCheckInDue(number=1, due_at=at(70)), actor=SYSTEM_ACTOR, at=at(70))
    app.execute(linus, MarkCheckInMissed(number=1), actor=SYSTEM_ACTOR, at=at(77))
    api.project()
    api.clock.to(45)
    return api


def report(api: Api, path: str, who: str = HR_ADMIN, **params: Any) -> Any:
    assert api.cycle_id is not None
    return api.ok(api.get(path.format(cycle=api.cycle_id), who, params=params))


def test_the_funnel_counts_cases_per_phase_per_department(scripted: Api) -> None:
    rows = report(scripted, "/reports/cycles/{cycle}/funnel")
    assert {(r["department"], r["phase"]): r["cases"] for r in rows} == {
        ("Engineering", "plan_approved"): 2,
        ("Engineering", "preparing"): 3,
        ("People", "preparing"): 2,
        ("Sales", "meeting_declined"): 1,
        ("Sales", "preparing"): 1,
    }


def test_reports_are_scoped_to_the_callers_organisation_or_departments(scripted: Api) -> None:
    grace = report(scripted, "/reports/cycles/{cycle}/funnel", MANAGER)
    assert {(r["department"], r["phase"]): r["cases"] for r in grace} == {
        ("Engineering", "plan_approved"): 2,
        ("Engineering", "preparing"): 1,  # alan; grace's own case is not in her organisation
    }
    frances = report(scripted, "/reports/cycles/{cycle}/funnel", HR_PARTNER)
    assert sum(r["cases"] for r in frances) == 8  # everyone but herself
    assert scripted.get("/reports/overdue-action-items", EMPLOYEE).status_code == 403


def test_on_time_rates_per_department_and_overall(scripted: Api) -> None:
    rows = {r["department"]: r for r in report(scripted, "/reports/cycles/{cycle}/on-time")}
    engineering = rows["Engineering"]
    assert (engineering["cases"], engineering["plans_submitted"], engineering["plans_on_time"]) == (
        5,
        2,
        1,
    )
    assert (engineering["plans_approved"], engineering["approvals_within_sla"]) == (2, 1)
    assert (engineering["check_ins_held"], engineering["check_ins_missed"]) == (1, 1)
    assert engineering["plan_on_time_rate"] == 0.5
    assert engineering["approval_within_sla_rate"] == 0.5
    assert engineering["check_in_held_rate"] == 0.5
    assert rows["Sales"]["plan_on_time_rate"] is None
    assert rows["(all)"]["cases"] == 9
    assert rows["(all)"]["plans_on_time"] == 1


def test_the_manager_table(scripted: Api) -> None:
    rows = {r["manager_id"]: r for r in report(scripted, "/reports/cycles/{cycle}/managers")}
    grace = rows[MANAGER]
    assert grace["manager_name"] == "Grace Hopper"
    assert (grace["cases"], grace["requests_answered"], grace["answers_late"]) == (3, 2, 1)
    assert grace["median_hours_to_answer"] == 72.0  # 24 h and 120 h
    assert (grace["plans_approved"], grace["approvals_late"]) == (2, 1)
    assert grace["median_hours_to_approve"] == 132.0  # 24 h and 240 h
    assert (grace["check_ins_held"], grace["check_ins_missed"]) == (1, 1)
    katherine = rows["katherine"]
    assert (katherine["requests_answered"], katherine["median_hours_to_answer"]) == (1, 24.0)
    assert katherine["median_hours_to_approve"] is None
    assert rows["barbara"]["cases"] == 3  # frances, edsger, katherine


def test_overdue_action_items_with_filters_and_csv(scripted: Api) -> None:
    (item,) = report(scripted, "/reports/overdue-action-items")
    assert (item["title"], item["owner_id"], item["manager_id"]) == (TITLE, EMPLOYEE, MANAGER)
    assert (item["department"], item["days_overdue"], item["escalation_rung"]) == (
        "Engineering",
        4,
        1,
    )
    assert report(scripted, "/reports/overdue-action-items", department="Sales") == []
    assert report(scripted, "/reports/overdue-action-items", rung=2) == []
    assert len(report(scripted, "/reports/overdue-action-items", manager_id=MANAGER)) == 1
    response = scripted.get("/reports/overdue-action-items", HR_ADMIN, params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "overdue-action-items.csv" in response.headers["content-disposition"]
    assert f'"{TITLE}"' in response.text  # the comma makes the field quoted
    (parsed,) = list(csv.DictReader(io.StringIO(response.text)))
    assert (parsed["title"], parsed["days_overdue"], parsed["escalation_rung"]) == (TITLE, "4", "1")


def test_the_commitment_ledger_follows_every_promise(scripted: Api) -> None:
    rows = report(scripted, "/reports/commitments", employee_id=EMPLOYEE)
    item_changes = [(r["change"], r["actor"]) for r in rows if r["commitment"] == "action_item"]
    assert item_changes == [
        ("ActionItemAgreed", MANAGER),
        ("ActionItemOverdue", SYSTEM_ACTOR),
        ("Escalated", SYSTEM_ACTOR),
    ]
    goals = [(r["subject"], r["change"]) for r in rows if r["commitment"] == "goal"]
    assert goals == [("g1", "PlanDrafted"), ("plan", "PlanSubmitted"), ("plan", "PlanApproved")]
    (escalation,) = (r for r in rows if r["change"] == "Escalated")
    assert (escalation["reason"], escalation["details"]) == ("overdue", {"rung": 1, "to": MANAGER})


def test_the_commitment_ledger_filters_by_cycle(scripted: Api) -> None:
    assert scripted.cycle_id is not None
    in_cycle = report(scripted, "/reports/commitments", cycle_id=str(scripted.cycle_id))
    assert in_cycle
    assert {r["case_id"] for r in in_cycle} <= {
        str(scripted.application.case_for(scripted.cycle_id, e).id)
        for e in scripted.application.get_cycle(scripted.cycle_id).enrolled
    }
    other = report(scripted, "/reports/commitments", cycle_id=str(uuid.uuid4()))
    assert other == []


def test_a_company_wide_report_works_at_a_hundred_thousand_and_harms_nobody(
    bare_api: Api,
) -> None:
    """A scope of 100,000 employees used to overflow PostgreSQL's parameter limit, answer
    503, and then fail every other request fast for five seconds."""
    count = 100_000
    people = company(count)
    bare_api.application.import_roster(people, source="big", actor="hr", at=T0)
    cycle = bare_api.ok(
        bare_api.post(
            "/cycles",
            HR_ADMIN,
            {"name": "big", "opens_at": T0.isoformat(), "closes_at": CYCLE_CLOSES.isoformat()},
        ),
        201,
    )
    ceo = bare_api.auth("p000000")
    for report in ("funnel", "on-time", "managers"):
        response = bare_api.client.get(f"{API}/reports/cycles/{cycle['id']}/{report}", headers=ceo)
        assert response.status_code == 200, (report, response.text)
    overdue = bare_api.client.get(f"{API}/reports/overdue-action-items", headers=ceo)
    assert overdue.status_code == 200
    someone = bare_api.client.get(f"{API}/me", headers=bare_api.auth("p054321"))
    assert someone.status_code == 200


def test_the_dashboard_numbers_agree_with_the_reports(scripted: Api) -> None:
    """The dashboard's one-pass funnel and on-time rates, and its slowest managers, are
    the reports' own figures."""
    assert scripted.cycle_id is not None
    cycle = scripted.cycle_id
    with scripted.engine.connect() as conn:
        funnel, on_time = report_queries.funnel_and_on_time(conn, cycle, None)
        assert funnel == report_queries.funnel(conn, cycle, None)
        assert on_time == report_queries.on_time(conn, cycle, None)
        every = report_queries.managers(conn, cycle, None)
        slowest, total = report_queries.slowest_managers(conn, cycle, None, 2)
    assert total == len(every) >= 3
    assert [m["manager_id"] for m in slowest] == [MANAGER, "katherine"]  # 2 late, then 24 h
    assert slowest[0] == next(m for m in every if m["manager_id"] == MANAGER)
    with scripted.engine.connect() as conn:
        in_scope, total_in_scope = report_queries.slowest_managers(conn, cycle, {"margaret"}, 5)
    assert ([m["manager_id"] for m in in_scope], total_in_scope) == (["katherine"], 1)
