"""A new manager mid-cycle: the open manager steps move, both managers are told, and
nothing the old manager wrote is lost."""

from __future__ import annotations

from careerflow.demo_org import DEMO_ROSTER_CSV
from tests.api import conftest as c
from tests.api.conftest import API, Api
from tests.api.test_inbox import notify
from tests.factories import at

MOVED = DEMO_ROSTER_CSV.replace(
    "ada,Ada Lovelace,ada@example.com,grace,", "ada,Ada Lovelace,ada@example.com,edsger,"
)


def tasks_of(api: Api, who: str) -> set[tuple[str, str]]:
    page = api.ok(api.get("/me/tasks", who))
    return {(t["task"], t["employee_id"]) for t in page["tasks"]}


def test_a_manager_change_moves_the_open_steps_and_tells_both_managers(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    api.clock.to(1)
    api.ok(api.post(f"{case}/meeting/request", c.EMPLOYEE, {"proposed_for": at(10).isoformat()}))
    grace_note = "grace-wrote-this: Ada is ready for a bigger project"
    api.ok(api.post(f"{case}/notes", c.MANAGER, {"text": grace_note, "visibility": "shared"}), 201)
    api.project()
    assert ("answer_meeting_request", "ada") in tasks_of(api, c.MANAGER)

    api.clock.to(2)
    moved = api.client.post(
        f"{API}/roster/import",
        content=MOVED,
        headers={**api.as_(c.HR_ADMIN), "Content-Type": "text/csv"},
    )
    assert api.ok(moved)["cases_moved"] >= 1
    api.project()
    assert ("answer_meeting_request", "ada") in tasks_of(api, c.SKIP)
    assert ("answer_meeting_request", "ada") not in tasks_of(api, c.MANAGER)

    notify(api)
    to_new = api.ok(api.get("/me/inbox", c.SKIP))
    to_old = api.ok(api.get("/me/inbox", c.MANAGER))
    # (the test notifier's directory names people by their ids)
    assert any(m["subject"] == "You are now ada's manager" for m in to_new)
    assert any(m["subject"] == "ada's career conversation moved to edsger" for m in to_old)

    assert api.post(f"{case}/meeting/accept", c.MANAGER).status_code in (403, 404)
    accepted = api.ok(api.post(f"{case}/meeting/accept", c.SKIP))
    assert accepted["manager_id"] == c.SKIP
    history = api.ok(api.get(f"{case}/history", c.EMPLOYEE))["entries"]
    changed = next(e for e in history if e["event"] == "ManagerChanged")
    assert changed["payload"]["previous_manager_id"] == c.MANAGER
    assert any(e["event"] == "NoteAdded" and e["actor"] == c.MANAGER for e in history)
    shared = api.ok(api.get(f"{case}/notes", c.EMPLOYEE))["notes"]
    assert [n["text"] for n in shared] == [grace_note]
