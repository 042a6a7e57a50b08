"""End to end over HTTP: one employee and their manager through the whole process.

Then the audit trail, and the case as it was at a version and at a time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from tests.api.conftest import EMPLOYEE, HR_ADMIN, MANAGER, STRANGER, Api
from tests.factories import agenda, at, goal, item_spec, plan, recap, self_assessment


def body(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def test_one_employee_and_their_manager_walk_the_whole_process(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    me = api.ok(api.get("/me/case", EMPLOYEE))
    assert me["phase"] == "preparing"
    assert (me["manager_id"], me["skip_level_id"]) == (MANAGER, "edsger")

    api.clock.to(1)
    api.ok(api.post(f"{case}/self-assessment", EMPLOYEE, body(self_assessment())))
    api.ok(api.post(f"{case}/goals", EMPLOYEE, body(goal())))
    api.ok(api.post(f"{case}/peer-feedback-requests", EMPLOYEE, {"peer_id": "linus"}))
    api.clock.to(1.5)
    api.ok(
        api.post(f"{case}/peer-feedback", "linus", {"feedback": {"strengths": ["Clear writing"]}})
    )
    api.clock.to(2)
    requested = api.ok(
        api.post(f"{case}/meeting/request", EMPLOYEE, {"proposed_for": at(12).isoformat()})
    )
    assert requested["phase"] == "meeting_requested"
    team = api.ok(api.get("/me/team", MANAGER))
    assert {"employee_id": EMPLOYEE, "phase": "meeting_requested"}.items() <= next(
        m for m in team if m["employee_id"] == EMPLOYEE
    ).items()
    api.clock.to(3)
    api.ok(api.post(f"{case}/meeting/accept", MANAGER))
    api.clock.to(4)
    api.ok(api.post(f"{case}/agenda", EMPLOYEE, body(agenda())))
    api.clock.to(12.1)
    held = api.ok(api.post(f"{case}/meeting/held", MANAGER, {"held_at": at(12).isoformat()}))
    assert held["phase"] == "meeting_held"
    feedback = {"strengths": [{"point": "Ownership", "example": "The CI speed-up"}]}
    api.ok(api.post(f"{case}/feedback", MANAGER, feedback))
    with_recap = api.ok(
        api.post(
            f"{case}/recap",
            MANAGER,
            body(recap(item_spec(owner=EMPLOYEE, due=40), follow_up_on=date(2026, 2, 1))),
        )
    )
    (item_id,) = with_recap["action_item_ids"]

    api.clock.to(14)
    api.ok(api.post(f"{case}/plan", EMPLOYEE, body(plan())))
    api.ok(api.post(f"{case}/plan/submit", EMPLOYEE))
    api.clock.to(15)
    changes = api.ok(
        api.post(f"{case}/plan/request-changes", MANAGER, {"comments": "Add a mentor"})
    )
    assert changes["phase"] == "changes_requested"
    api.clock.to(16)
    api.ok(api.post(f"{case}/plan", EMPLOYEE, body(plan())))
    api.ok(api.post(f"{case}/plan/submit", EMPLOYEE))
    api.clock.to(17)
    approved = api.ok(api.post(f"{case}/plan/approve", MANAGER))
    assert approved["phase"] == "plan_approved"
    assert [p["status"] for p in approved["plans"]] == ["changes_requested", "approved"]

    api.clock.to(20)
    done = api.ok(api.post(f"/action-items/{item_id}/complete", EMPLOYEE, {"note": "Read them"}))
    assert done["status"] == "completed"
    api.clock.to(45)
    checked = api.ok(
        api.post(
            f"{case}/check-ins",
            MANAGER,
            {"notes": "Good start", "progress": [{"goal_id": "g1", "percent": 30}]},
        )
    )
    assert checked["goal_progress"] == {"g1": 30}
    api.clock.to(300)
    closed = api.ok(api.post(f"{case}/close", HR_ADMIN, {}))
    assert (closed["phase"], closed["outcome"]) == ("closed", "plan_approved")

    history = api.ok(api.get(f"{case}/history", EMPLOYEE))
    events = [(e["aggregate"], e["event"], e["actor"]) for e in history["entries"]]
    assert events[0] == ("case", "CaseOpened", HR_ADMIN)
    assert ("case", "PlanApproved", MANAGER) in events
    assert ("case", "PeerFeedbackReceived", "linus") in events
    assert ("action_item", "ActionItemCompleted", EMPLOYEE) in events
    assert events[-1] == ("case", "CaseClosed", HR_ADMIN)
    case_versions = [e["version"] for e in history["entries"] if e["aggregate"] == "case"]
    assert case_versions == sorted(case_versions) == list(range(1, closed["version"] + 1))

    by_version = api.ok(api.get(f"{case}/history", EMPLOYEE, params={"as_of": "2"}))
    assert by_version["state"]["version"] == 2
    assert by_version["state"]["self_assessment"] is not None
    assert by_version["state"]["draft_goals"] == []
    assert [e["version"] for e in by_version["entries"]] == [1, 2]

    by_time = api.ok(api.get(f"{case}/history", EMPLOYEE, params={"as_of": at(3.5).isoformat()}))
    assert by_time["state"]["phase"] == "meeting_scheduled"
    assert by_time["state"]["meeting"]["agenda"] is None
    assert all(e["occurred_at"] <= at(3.5).isoformat() for e in by_time["entries"])

    stranger = api.get(f"{case}/history", STRANGER)
    assert stranger.status_code == 404
