"""Every endpoint x every role and relationship (DESIGN.md §4), from one table.

The callers stand to the target employee (ada) as: herself, her manager, her
skip-level manager, her department's HR partner, an unrelated employee, an HR
admin, an auditor. Each endpoint gets a case of its own, walked to the phase the
step needs, so "allowed" can mean "it worked" (or, for a read-only auditor and a
skip-level manager, that the refusal is 403, not a silent success). A refused call
must leave every aggregate exactly as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from careerflow.demo_org import DEMO_ROSTER_CSV
from domain.case import case_id_for
from domain.commands import (
    AcceptMeeting,
    AddActionItem,
    CaseCommand,
    HoldMeeting,
    RequestMeeting,
    RequestPeerFeedback,
)
from domain.plan_commands import ApprovePlan, DraftPlan, SubmitPlan
from domain.values import Participants
from tests.api.conftest import (
    API,
    AUDITOR,
    EMPLOYEE,
    HR_ADMIN,
    HR_PARTNER,
    MANAGER,
    SKIP,
    STRANGER,
    Api,
    api_on_own_schema,
)
from tests.factories import CYCLE_CLOSES, T0, agenda, at, goal, item_spec, plan, recap
from tests.factories import self_assessment as assessment

CALLERS = {
    "own": EMPLOYEE,
    "manager": MANAGER,
    "skip_level": SKIP,
    "hr_partner": HR_PARTNER,
    "unrelated": STRANGER,
    "hr_admin": HR_ADMIN,
    "auditor": AUDITOR,
}
OK = "ok"
Expect = dict[str, int | str]


def expect(default: int | str, **overrides: int | str) -> Expect:
    """What each relationship gets: ``default``, except as overridden."""
    return {relation: overrides.get(relation, default) for relation in CALLERS}


READ = expect(OK, unrelated=404)
SEALED_READ = expect(OK, unrelated=404, hr_admin=422, auditor=422)
"""Confidential content: HR admins and auditors outside ada's department owe a reason."""
EMPLOYEE_STEP = expect(403, own=OK, unrelated=404)
MANAGER_STEP = expect(403, manager=OK, unrelated=404)
PARTY_STEP = expect(403, own=OK, manager=OK, unrelated=404)
PEER_STEP = expect(403, unrelated=OK)  # the unrelated one was asked
HR_ADMIN_ON_CASE = expect(403, hr_admin=OK, unrelated=404)
HR_ADMIN_ONLY = expect(403, hr_admin=OK)
EVERYONE = expect(OK)
SEE_ALL = expect(403, hr_admin=OK, auditor=OK)
REPORTS = expect(OK, own=403, unrelated=403)  # managers, HR partners, admins, auditors


@dataclass
class Target:
    case_id: UUID
    cycle_id: UUID
    draft_cycle_id: UUID
    item_id: UUID | None


def body(model: Any) -> Any:
    return model.model_dump(mode="json")


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str  # {case}, {item}, {cycle}, {draft}
    phase: str  # how far ada's case is walked first
    expected: Mapping[str, int | str]
    payload: Callable[[], Any] | None = None
    content: str | None = None


ROWS = [
    Row("get case", "GET", "/cases/{case}", "preparing", SEALED_READ),
    Row("get case, a reason given", "GET", "/cases/{case}?reason=audit", "preparing", READ),
    Row("find case", "GET", "/cases/find?cycle_id={cycle}&employee_id=ada", "preparing",
        SEALED_READ),
    Row("find case, a reason given", "GET",
        "/cases/find?cycle_id={cycle}&employee_id=ada&reason=audit", "preparing", READ),
    Row("case history", "GET", "/cases/{case}/history", "held", SEALED_READ),
    Row("case history, a reason given", "GET", "/cases/{case}/history?reason=audit", "held",
        READ),
    Row("case as of", "GET", "/cases/{case}/history?as_of=1&reason=audit", "held", READ),
    Row("case notes", "GET", "/cases/{case}/notes", "preparing", READ),
    Row("add note", "POST", "/cases/{case}/notes", "preparing", PARTY_STEP,
        lambda: {"text": "remember the offsite", "visibility": "shared"}),
    Row("self-assessment", "POST", "/cases/{case}/self-assessment", "preparing", EMPLOYEE_STEP,
        lambda: body(assessment())),
    Row("propose goal", "POST", "/cases/{case}/goals", "preparing", EMPLOYEE_STEP,
        lambda: body(goal())),
    Row("ask peer feedback", "POST", "/cases/{case}/peer-feedback-requests", "preparing",
        EMPLOYEE_STEP, lambda: {"peer_id": "linus"}),
    Row("give peer feedback", "POST", "/cases/{case}/peer-feedback", "peer_asked", PEER_STEP,
        lambda: {"feedback": {"strengths": ["Helpful"]}}),
    Row("request meeting", "POST", "/cases/{case}/meeting/request", "preparing", EMPLOYEE_STEP,
        lambda: {"proposed_for": at(30).isoformat()}),
    Row("accept meeting", "POST", "/cases/{case}/meeting/accept", "requested", MANAGER_STEP),
    Row("propose another time", "POST", "/cases/{case}/meeting/reschedule", "requested",
        MANAGER_STEP, lambda: {"new_time": at(35).isoformat(), "reason": "travel"}),
    Row("decline meeting", "POST", "/cases/{case}/meeting/decline", "requested", MANAGER_STEP,
        lambda: {"reason": "on leave"}),
    Row("share agenda", "POST", "/cases/{case}/agenda", "scheduled", PARTY_STEP,
        lambda: body(agenda())),
    Row("meeting held", "POST", "/cases/{case}/meeting/held", "scheduled", PARTY_STEP,
        lambda: {"held_at": at(10).isoformat()}),
    Row("give feedback", "POST", "/cases/{case}/feedback", "held", PARTY_STEP,
        lambda: {"strengths": [{"point": "Clarity", "example": "the design doc"}]}),
    Row("share recap", "POST", "/cases/{case}/recap", "held", PARTY_STEP,
        lambda: body(recap(follow_up_on=date(2026, 3, 1)))),
    Row("add action item", "POST", "/cases/{case}/action-items", "held", PARTY_STEP,
        lambda: body(item_spec(owner=EMPLOYEE, due=60))),
    Row("draft plan", "POST", "/cases/{case}/plan", "held", EMPLOYEE_STEP, lambda: body(plan())),
    Row("submit plan", "POST", "/cases/{case}/plan/submit", "drafted", EMPLOYEE_STEP),
    Row("request changes", "POST", "/cases/{case}/plan/request-changes", "submitted",
        MANAGER_STEP, lambda: {"comments": "add a mentor"}),
    Row("approve plan", "POST", "/cases/{case}/plan/approve", "submitted", MANAGER_STEP),
    Row("check-in", "POST", "/cases/{case}/check-ins", "approved", PARTY_STEP,
        lambda: {"notes": "on track", "progress": [{"goal_id": "g1", "percent": 10}]}),
    Row("goal progress", "POST", "/cases/{case}/goal-progress", "approved", PARTY_STEP,
        lambda: {"goal_id": "g1", "percent": 20}),
    Row("readjust goal", "POST", "/cases/{case}/goals/readjust", "approved", PARTY_STEP,
        lambda: {"goal": body(goal(specific="Run two reviews")), "reason": "team change"}),
    Row("close case", "POST", "/cases/{case}/close", "held", HR_ADMIN_ON_CASE, lambda: {}),
    Row("get action item", "GET", "/action-items/{item}", "item", READ),
    Row("action item history", "GET", "/action-items/{item}/history", "item", READ),
    Row("complete action item", "POST", "/action-items/{item}/complete", "item", PARTY_STEP,
        lambda: {"note": "done"}),
    Row("reschedule action item", "POST", "/action-items/{item}/reschedule", "item", PARTY_STEP,
        lambda: {"new_due_at": at(70).isoformat(), "reason": "holidays"}),
    Row("cancel action item", "POST", "/action-items/{item}/cancel", "item", PARTY_STEP,
        lambda: {"reason": "no longer needed"}),
    Row("list cycles", "GET", "/cycles", "preparing", EVERYONE),
    Row("get cycle", "GET", "/cycles/{cycle}", "preparing", EVERYONE),
    Row("cycle status", "GET", "/cycles/{cycle}/status", "preparing", SEE_ALL),
    Row("create cycle", "POST", "/cycles", "preparing", HR_ADMIN_ONLY,
        lambda: {"name": "Next", "opens_at": T0.isoformat(),
                 "closes_at": CYCLE_CLOSES.isoformat()}),
    Row("amend policy", "POST", "/cycles/{draft}/policy", "preparing", HR_ADMIN_ONLY,
        lambda: {"policy": {"meeting_notice": "P5D"}}),
    Row("open cycle", "POST", "/cycles/{draft}/open", "preparing", HR_ADMIN_ONLY,
        lambda: {"employee_ids": ["alan"]}),
    Row("close cycle", "POST", "/cycles/{cycle}/close", "preparing", HR_ADMIN_ONLY),
    Row("list roster", "GET", "/roster", "preparing", EVERYONE),
    Row("roster entry", "GET", "/roster/ada", "preparing", READ),
    Row("import roster", "POST", "/roster/import", "preparing", HR_ADMIN_ONLY,
        content="roster"),
    Row("funnel", "GET", "/reports/cycles/{cycle}/funnel", "preparing", REPORTS),
    Row("on-time rates", "GET", "/reports/cycles/{cycle}/on-time?format=csv", "preparing", REPORTS),
    Row("manager table", "GET", "/reports/cycles/{cycle}/managers", "preparing", REPORTS),
    Row("overdue items", "GET", "/reports/overdue-action-items?rung=1", "preparing", REPORTS),
    Row("commitments", "GET", "/reports/commitments", "preparing", REPORTS),
    Row("me", "GET", "/me", "preparing", EVERYONE),
    Row("my team", "GET", "/me/team", "preparing", EVERYONE),
    Row("my inbox", "GET", "/me/inbox", "preparing", EVERYONE),
    Row("who read my data", "GET", "/me/reads", "preparing", EVERYONE),
]  # fmt: skip

# /me/case answers for the caller's own case, so only ada has one in these cycles
MY_CASE = Row("my case", "GET", "/me/case?cycle_id={cycle}", "preparing",
              expect(404, own=OK))  # fmt: skip
ROWS.append(MY_CASE)


@pytest.fixture(scope="module")
def matrix_api(pg_url: str) -> Iterator[Api]:
    with api_on_own_schema(pg_url, "cf_matrix") as api:
        api.ok(
            api.client.post(
                f"{API}/roster/import",
                content=DEMO_ROSTER_CSV,
                headers={**api.as_(HR_ADMIN), "Content-Type": "text/csv"},
            )
        )
        yield api


def prepare(api: Api, phase: str) -> Target:
    """A cycle of its own with ada's case walked to ``phase`` (through the application)."""
    app, hr = api.application, HR_ADMIN
    cycle_id, draft_id = uuid.uuid4(), uuid.uuid4()
    for cid in (cycle_id, draft_id):
        app.create_cycle(
            cycle_id=cid, name="matrix", opens_at=T0, closes_at=CYCLE_CLOSES, actor=hr, at=T0
        )
    roster = app.get_roster()
    people = [p for e in ("ada", "alan") if isinstance(p := roster.participants(e), Participants)]
    app.open_cycle(cycle_id, population=people, actor=hr, at=T0)
    case_id = case_id_for(cycle_id, EMPLOYEE)
    item_id = None
    steps: list[tuple[str, str, CaseCommand, float]] = [
        ("requested", EMPLOYEE, RequestMeeting(proposed_for=at(10)), 1),
        ("scheduled", MANAGER, AcceptMeeting(), 2),
        ("held", MANAGER, HoldMeeting(held_at=at(10)), 10),
        ("item", MANAGER, AddActionItem.of(item_spec(owner=EMPLOYEE, due=40)), 10.5),
        ("drafted", EMPLOYEE, DraftPlan.of(plan()), 12),
        ("submitted", EMPLOYEE, SubmitPlan(), 13),
        ("approved", MANAGER, ApprovePlan(), 14),
    ]
    if phase == "peer_asked":
        app.execute(case_id, RequestPeerFeedback(peer_id=STRANGER), actor=EMPLOYEE, at=at(1))
    elif phase != "preparing":
        for reached, actor, command, day in steps:
            result = app.execute(case_id, command, actor=actor, at=at(day))
            if reached == "item":
                item_id = result.created[0].id
            if reached == phase:
                break
    return Target(case_id, cycle_id, draft_id, item_id)


def versions(api: Api, target: Target) -> dict[UUID, int]:
    ids = [target.case_id, target.cycle_id, target.draft_cycle_id]
    if target.item_id:
        ids.append(target.item_id)
    return {i: len(list(api.application.events.get(i))) for i in ids}


def what_the_reader_may_not_see(api: Api, who: str, target: Target, body: Any) -> str | None:
    """A write's response must show nothing its caller's GET would not: a case only to a
    reader of the case (as their GET shows it), an action item only to a reader of it."""
    if not isinstance(body, dict):
        return None
    if "phase" in body and "employee_id" in body:  # a case
        seen = api.get(f"/cases/{body['id']}", who, params={"reason": "leak check"})
        if seen.status_code != 200:
            return f"a case its caller cannot read ({seen.status_code})"
        if seen.json() != body:
            return "more than the caller's GET of the case"
    elif "note_id" in body:  # a note: its caller's list of notes shows it, text and all
        seen = api.get(f"/cases/{target.case_id}/notes", who)
        if seen.status_code != 200 or body not in seen.json()["notes"]:
            return "a note its caller's list of notes does not show"
    elif "owner_id" in body and "due_at" in body:  # an action item
        seen = api.get(f"/action-items/{body['id']}", who)
        if seen.status_code != 200:
            return f"an action item its caller cannot read ({seen.status_code})"
    return None


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_endpoint_by_role_and_relationship(matrix_api: Api, row: Row) -> None:
    api = matrix_api
    api.clock.to(20)
    mismatches = []
    # refusals first: an allowed call may move the case on
    for relation, expected in sorted(row.expected.items(), key=lambda kv: kv[1] == OK):
        target = prepare(api, row.phase)
        path = row.path.format(
            case=target.case_id, item=target.item_id, cycle=target.cycle_id,
            draft=target.draft_cycle_id,
        )  # fmt: skip
        before = versions(api, target)
        headers = dict(api.as_(CALLERS[relation]))
        if row.content is not None:
            headers["Content-Type"] = "text/csv"
            response = api.client.post(API + path, content=DEMO_ROSTER_CSV, headers=headers)
        else:
            response = api.client.request(
                row.method,
                API + path,
                headers=headers,
                json=row.payload() if row.payload else None,
            )
        status = response.status_code
        if expected == OK:
            good = 200 <= status < 300
            if good and row.method == "POST":
                leak = what_the_reader_may_not_see(api, CALLERS[relation], target, response.json())
                if leak:
                    mismatches.append(f"{relation}: the response of {row.name} shows {leak}")
        else:
            good = status == expected and versions(api, target) == before
            good = good and response.headers["content-type"] == "application/problem+json"
        if not good:
            mismatches.append(
                f"{relation}: expected {expected}, got {status} {response.text[:160]}"
            )
    assert not mismatches, "\n".join(mismatches)
