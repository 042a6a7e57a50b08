"""``GET /me/tasks``: what each person must do now, in every role, from the read models."""

from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python

from domain.base import SYSTEM_ACTOR
from domain.timer_commands import EscalateCase, EscalateItem, MarkCheckInDue
from domain.values import Rung
from tests.api.conftest import EMPLOYEE, HR_PARTNER, MANAGER, SKIP, Api
from tests.factories import agenda, at, goal, item_spec, plan, recap

PEER = "linus"


def tasks(api: Api, who: str) -> list[dict[str, Any]]:
    """The caller's tasks about Ada's case (everyone enrolled also has their own)."""
    api.project()
    page = api.ok(api.get("/me/tasks", who))
    assert page["total"] == len(page["tasks"])
    return [t for t in page["tasks"] if t["employee_id"] == EMPLOYEE]


def kinds(api: Api, who: str) -> list[str]:
    return [t["task"] for t in tasks(api, who)]


def test_each_role_sees_its_own_next_steps_with_due_time_lateness_and_link(api: Api) -> None:
    case_id = api.case_id()
    case = f"/cases/{case_id}"
    api.clock.to(1)
    mine = tasks(api, EMPLOYEE)
    assert [t["task"] for t in mine] == ["prepare", "request_meeting"]
    assert mine[0]["due_at"] == to_jsonable_python(at(14))  # the policy's prep window
    assert mine[0]["late_by_seconds"] == 0
    assert mine[0]["link"] == f"/api/v1{case}"
    assert mine[0]["employee_name"] == "Ada Lovelace"
    assert kinds(api, MANAGER) == []

    api.ok(api.post(f"{case}/peer-feedback-requests", EMPLOYEE, {"peer_id": PEER}))
    assert kinds(api, PEER) == ["give_peer_feedback"]
    api.ok(api.post(f"{case}/meeting/request", EMPLOYEE, {"proposed_for": at(10).isoformat()}))
    assert kinds(api, EMPLOYEE) == ["share_agenda", "prepare"]  # soonest due first
    assert kinds(api, MANAGER) == ["answer_meeting_request"]

    api.clock.to(6)  # the answer was due on day 4
    (answer,) = tasks(api, MANAGER)
    assert answer["late_by_seconds"] == 2 * 86400
    api.application.execute(
        case_id,
        EscalateCase(deadline="meeting_response:1", rung=Rung.SKIP_LEVEL, reason="r", due_at=at(4)),
        actor=SYSTEM_ACTOR,
        at=at(6),
    )
    (escalation,) = tasks(api, SKIP)
    assert escalation["task"] == "escalation"
    assert escalation["rung"] == 2
    assert "an answer to the meeting request for Ada Lovelace is late" in escalation["what"]

    api.ok(api.post(f"{case}/meeting/accept", MANAGER))
    assert kinds(api, SKIP) == []  # the step is done: the escalation is settled
    assert kinds(api, MANAGER) == ["hold_meeting"]
    api.ok(api.post(f"{case}/agenda", EMPLOYEE, agenda().model_dump(mode="json")))
    assert kinds(api, EMPLOYEE) == ["hold_meeting", "prepare"]

    api.clock.to(10)
    api.ok(api.post(f"{case}/meeting/held", MANAGER, {}))
    assert set(kinds(api, MANAGER)) == {"give_feedback", "share_recap"}
    assert set(kinds(api, EMPLOYEE)) == {"give_feedback", "share_recap", "submit_plan"}
    spec = item_spec(MANAGER, due=40, title="Book the training")
    api.ok(api.post(f"{case}/recap", MANAGER, recap(spec).model_dump(mode="json")))
    manager_tasks = tasks(api, MANAGER)
    item = next(t for t in manager_tasks if t["task"] == "finish_action_item")
    assert item["what"] == 'finish the action item "Book the training"'
    assert item["link"] == f"/api/v1/action-items/{item['action_item_id']}"
    assert "share_recap" not in kinds(api, EMPLOYEE)

    api.ok(api.post(f"{case}/plan", EMPLOYEE, plan(goal()).model_dump(mode="json")))
    api.ok(api.post(f"{case}/plan/submit", EMPLOYEE))
    assert "review_plan" in kinds(api, MANAGER)
    assert "submit_plan" not in kinds(api, EMPLOYEE)
    api.clock.to(12)
    api.ok(api.post(f"{case}/plan/approve", MANAGER))
    assert "review_plan" not in kinds(api, MANAGER)

    api.application.execute(
        case_id, MarkCheckInDue(number=1, due_at=at(42)), actor=SYSTEM_ACTOR, at=at(42)
    )
    assert "hold_check_in" in kinds(api, EMPLOYEE)
    assert "hold_check_in" in kinds(api, MANAGER)

    item_id = item["action_item_id"]
    api.application.execute(
        item_id, EscalateItem(rung=Rung.HR_PARTNER, reason="r"), actor=SYSTEM_ACTOR, at=at(45)
    )
    (hr,) = tasks(api, HR_PARTNER)
    assert hr["what"].startswith('the action item "Book the training" for Ada Lovelace is late')
    api.ok(api.post(f"/action-items/{item_id}/complete", MANAGER, {}))
    assert kinds(api, HR_PARTNER) == []
    assert "finish_action_item" not in kinds(api, MANAGER)


def test_tasks_are_paged_and_nobody_sees_anyone_elses(api: Api) -> None:
    api.clock.to(1)
    api.project()
    first = api.ok(api.get("/me/tasks?limit=1", EMPLOYEE))
    assert first["total"] == 2
    assert len(first["tasks"]) == 1
    second = api.ok(api.get("/me/tasks?limit=1&offset=1", EMPLOYEE))
    assert first["tasks"][0]["task"] != second["tasks"][0]["task"]
    assert api.get("/me/tasks?limit=0", EMPLOYEE).status_code == 422
    assert api.get("/me/tasks?limit=501", EMPLOYEE).status_code == 422
    # her manager has her own two, and nothing of Ada's before Ada asks for anything
    api.project()
    theirs = api.ok(api.get("/me/tasks", MANAGER))["tasks"]
    assert {t["employee_id"] for t in theirs} == {MANAGER}
