"""Roster import over HTTP: validated as a whole, re-import records changes and moves cases."""

from __future__ import annotations

import json
from typing import Any

from careerflow.demo_org import DEMO_ROSTER_CSV
from tests.api.conftest import API, EMPLOYEE, HR_ADMIN, MANAGER, Api
from tests.factories import at


def post_roster(
    api: Api, text: str, media: str = "text/csv", key: str | None = None, query: str = ""
) -> Any:
    headers = {**api.as_(HR_ADMIN), "Content-Type": media}
    if key:
        headers["Idempotency-Key"] = key
    return api.client.post(f"{API}/roster/import{query}", content=text, headers=headers)


def test_a_bad_roster_is_refused_as_a_whole_with_row_numbers(bare_api: Api) -> None:
    text = DEMO_ROSTER_CSV.replace("ada@example.com", "ada-at-example").replace(
        "margaret,Margaret Hamilton,margaret@example.com,katherine",
        "margaret,Margaret Hamilton,margaret@example.com,nobody",
    )
    response = post_roster(bare_api, text)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {
        "field": "rows[7].email",
        "reason": "is not an e-mail address (name@domain.tld)",
    } in errors
    assert {"field": "rows[11].manager_id", "reason": "unknown employee 'nobody'"} in errors
    roster = bare_api.ok(bare_api.get("/roster", HR_ADMIN))
    assert roster["employees"] == []
    missing = post_roster(bare_api, "employee_id,name\nx,X\n")
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} >= {"rows[1].email", "rows[1].manager_id"}


def test_a_json_roster_imports_and_a_repeat_changes_nothing(bare_api: Api) -> None:
    rows = [
        {"employee_id": "boss", "name": "Boss", "email": "boss@example.com", "manager_id": None,
         "department": "Ops", "hr_partner_id": None},
        {"employee_id": "w1", "name": "Worker", "email": "w1@example.com", "manager_id": "boss",
         "department": "Ops", "hr_partner_id": "boss", "timezone": "Asia/Tokyo"},
    ]  # fmt: skip
    first = bare_api.ok(post_roster(bare_api, json.dumps(rows), "application/json"))
    assert (first["added"], first["changed"], first["removed"]) == (2, 0, 0)
    again = bare_api.ok(post_roster(bare_api, json.dumps(rows), "application/json"))
    assert (again["added"], again["changed"], again["version"]) == (0, 0, first["version"])
    person = bare_api.ok(bare_api.get("/roster/w1", "w1"))
    assert person["timezone"] == "Asia/Tokyo"


def test_a_manager_change_moves_future_approvals_to_the_new_manager(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    api.clock.to(1)
    api.ok(api.post(f"{case}/meeting/request", EMPLOYEE, {"proposed_for": at(10).isoformat()}))
    moved = DEMO_ROSTER_CSV.replace(
        "ada,Ada Lovelace,ada@example.com,grace", "ada,Ada Lovelace,ada@example.com,linus"
    )
    result = api.ok(post_roster(api, moved))
    assert (result["changed"], result["cases_moved"]) == (1, 1)
    state = api.ok(api.get(case, EMPLOYEE))
    assert (state["manager_id"], state["skip_level_id"]) == ("linus", MANAGER)
    api.clock.to(2)
    old = api.post(f"{case}/meeting/accept", MANAGER)
    assert old.status_code == 403  # grace is now the skip-level: she sees, but does not approve
    api.ok(api.post(f"{case}/meeting/accept", "linus"))
    events = [
        e["event"] for e in api.ok(api.get(f"{case}/history?reason=audit", HR_ADMIN))["entries"]
    ]
    assert events.index("ManagerChanged") < events.index("MeetingAccepted")
    assert api.ok(api.get("/me", "linus"))["direct_reports"] == [EMPLOYEE]


def test_a_dry_run_shows_the_changes_and_writes_nothing(api: Api) -> None:
    version = api.application.get_roster().version
    lines = DEMO_ROSTER_CSV.strip().splitlines()
    without_ada = "\n".join(line for line in lines if not line.startswith("ada,")) + "\n"
    with_newcomer = without_ada + "zoe,Zoe Z,zoe@example.com,grace,Engineering,frances\n"
    preview = api.ok(post_roster(api, with_newcomer, query="?dry_run=true"))
    assert preview["dry_run"] is True
    assert (preview["added_ids"], preview["removed_ids"]) == (["zoe"], ["ada"])
    assert api.application.get_roster().version == version
    assert "ada" in api.application.get_roster().people


def test_removing_people_needs_consent_and_withdraws_their_open_cases(api: Api) -> None:
    lines = DEMO_ROSTER_CSV.strip().splitlines()
    without_ada = "\n".join(line for line in lines if not line.startswith("ada,")) + "\n"
    refused = post_roster(api, without_ada)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "allow_removals", "reason": refused.json()["errors"][0]["reason"]}
    ]
    assert "ada" in refused.json()["errors"][0]["reason"]
    assert "ada" in api.application.get_roster().people
    case = api.application.get_case(api.case_id())
    assert not case.is_closed
    done = api.ok(post_roster(api, without_ada, query="?allow_removals=true"))
    assert (done["removed_ids"], done["cases_withdrawn"]) == (["ada"], 1)
    closed = api.application.get_case(api.case_id())
    assert closed.is_closed
    assert closed.outcome == "withdrawn"
    assert "ada" not in api.application.get_roster().people
