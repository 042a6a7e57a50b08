"""HR's case list: every case of a cycle, filtered, sorted, paged, as JSON and CSV, in scope.

The demo company (nine enrolled people). Ada's meeting is accepted (next: the
agenda, due with the meeting on day 10); Margaret's request is declined (next:
the self-assessment, day 14); everyone else is preparing (self-assessment, day 14).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from domain.commands import AcceptMeeting, DeclineMeeting, RequestMeeting
from tests.api.conftest import EMPLOYEE, HR_ADMIN, HR_PARTNER, MANAGER, Api
from tests.factories import at

ENROLLED = {"frances", "hedy", "edsger", "grace", "ada", "linus", "alan", "katherine", "margaret"}


@pytest.fixture
def listed(api: Api) -> Api:
    app = api.application
    ada, margaret = api.case_id(EMPLOYEE), api.case_id("margaret")
    app.execute(ada, RequestMeeting(proposed_for=at(10)), actor=EMPLOYEE, at=at(1))
    app.execute(ada, AcceptMeeting(), actor=MANAGER, at=at(2))
    app.execute(margaret, RequestMeeting(proposed_for=at(10)), actor="margaret", at=at(1))
    app.execute(margaret, DeclineMeeting(reason="on leave"), actor="katherine", at=at(2))
    api.project()
    api.clock.to(12)
    return api


def cases(api: Api, who: str = HR_ADMIN, query: str = "") -> tuple[int, list[dict[str, Any]]]:
    response = api.get(f"/reports/cycles/{api.cycle_id}/cases?{query}", who)
    rows = api.ok(response)
    return int(response.headers["X-Total-Count"]), rows


def test_every_case_with_its_people_phase_next_deadline_and_lateness(listed: Api) -> None:
    total, rows = cases(listed)
    assert total == len(rows) == len(ENROLLED)
    assert {r["employee_id"] for r in rows} == ENROLLED
    first = rows[0]  # soonest deadline first: Ada's agenda, due with the meeting on day 10
    assert first["employee_id"] == EMPLOYEE
    assert first["employee_name"] == "Ada Lovelace"
    assert first["manager_name"] == "Grace Hopper"
    assert first["department"] == "Engineering"
    assert first["phase"] == "meeting_scheduled"
    assert first["next_step"] == "share_agenda"
    assert first["late_by_seconds"] == 2 * 86400
    margaret = next(r for r in rows if r["employee_id"] == "margaret")
    assert margaret["phase"] == "meeting_declined"
    assert margaret["next_step"] == "prepare"
    assert margaret["late_by_seconds"] == 0


def test_filters_sorting_and_paging(listed: Api) -> None:
    _, scheduled = cases(listed, query="phase=meeting_scheduled")
    assert [r["employee_id"] for r in scheduled] == [EMPLOYEE]
    _, sales = cases(listed, query="department=Sales")
    assert {r["employee_id"] for r in sales} == {"katherine", "margaret"}
    _, graces = cases(listed, query="manager_id=grace")
    assert {r["employee_id"] for r in graces} == {"ada", "linus", "alan"}
    total, late = cases(listed, query="late_only=true")
    assert (total, [r["employee_id"] for r in late]) == (1, [EMPLOYEE])
    listed.clock.to(15)
    assert cases(listed, query="late_only=true")[0] == len(ENROLLED)

    _, by_name = cases(listed, query="sort=-employee")
    names = [r["employee_name"] for r in by_name]
    assert names == sorted(names, reverse=True)
    total, page_one = cases(listed, query="sort=employee&limit=4")
    _, page_two = cases(listed, query="sort=employee&limit=4&offset=4")
    assert total == len(ENROLLED)
    assert len(page_one) == 4
    assert not {r["case_id"] for r in page_one} & {r["case_id"] for r in page_two}
    bad = listed.get(f"/reports/cycles/{listed.cycle_id}/cases?sort=salary", HR_ADMIN)
    assert bad.status_code == 422
    assert "sort" in bad.text
    assert (
        listed.get(f"/reports/cycles/{listed.cycle_id}/cases?phase=nope", HR_ADMIN).status_code
        == 422
    )


def test_csv_has_a_header_and_one_line_per_case(listed: Api) -> None:
    response = listed.get(f"/reports/cycles/{listed.cycle_id}/cases?format=csv", HR_ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(ENROLLED)
    assert {"employee_name", "manager_name", "department", "phase", "next_due_at",
            "late_by_seconds"} <= set(rows[0])  # fmt: skip
    assert rows[0]["employee_name"] == "Ada Lovelace"


def test_the_same_scope_as_every_report(listed: Api) -> None:
    _, graces = cases(listed, who=MANAGER)
    assert {r["employee_id"] for r in graces} == {"ada", "linus", "alan"}
    _, partnered = cases(listed, who=HR_PARTNER)
    assert {r["employee_id"] for r in partnered} == ENROLLED - {"frances"}  # not her own case
    assert listed.get(f"/reports/cycles/{listed.cycle_id}/cases", EMPLOYEE).status_code == 403
