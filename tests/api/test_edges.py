"""Real input and real people at the edges: each refused with a named field, nothing written.

One test per hole found on the way in (issue "Real input and real people cannot break
it"); each of them failed before the fix it covers.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import jwt

from api.limits import MAX_BODY
from careerflow.demo_org import DEMO_ROSTER_CSV
from domain.values import MAX_ITEMS
from tests.api.conftest import API, EMPLOYEE, HR_ADMIN, MANAGER, SKIP, Api
from tests.factories import T0, at, goal, item_spec, self_assessment

PROBLEM = "application/problem+json"


def versions(api: Api) -> int:
    return len(list(api.application.events.get(api.case_id())))


def fields(response: Any) -> list[str]:
    assert response.headers["content-type"] == PROBLEM, response.text
    return [e["field"] for e in response.json()["errors"]]


def assessment_with(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = self_assessment().model_dump(mode="json")
    body.update(changes)
    return body


def test_nul_and_unpaired_surrogates_are_refused_in_bodies_naming_the_field(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    before = versions(api)
    nul = assessment_with(gaps=[{"kind": "skill", "description": "bad\u0000byte"}])
    response = api.post(f"{case}/self-assessment", EMPLOYEE, nul)
    assert response.status_code == 422
    assert fields(response) == ["gaps.0.description"]
    sentinel = assessment_with(skills=[{"skill": "SENTINEL", "fit": "fits"}])
    raw = json.dumps(sentinel).replace('"SENTINEL"', '"half \\ud800 pair"')
    lone = api.client.post(
        f"{API}{case}/self-assessment",
        content=raw.encode(),
        headers={**api.as_(EMPLOYEE), "Content-Type": "application/json"},
    )
    assert lone.status_code == 422
    assert fields(lone) == ["skills.0.skill"]
    assert versions(api) == before


def test_nul_in_a_query_parameter_is_422_not_500(api: Api) -> None:
    response = api.get("/reports/overdue-action-items?department=a%00b", HR_ADMIN)
    assert response.status_code == 422
    assert fields(response) == ["department"]


def test_non_finite_numbers_are_refused(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    before = versions(api)
    sentinel = assessment_with()
    sentinel["achievements"][0]["result"]["measure"]["value"] = 12345.5
    for number in ("NaN", "Infinity", "1e999"):
        body = json.dumps(sentinel).replace("12345.5", number)
        assert number in body
        response = api.client.post(
            f"{API}{case}/self-assessment",
            content=body.encode(),
            headers={**api.as_(EMPLOYEE), "Content-Type": "application/json"},
        )
        assert response.status_code == 422, (number, response.text)
        assert fields(response) == ["achievements.0.result.measure.value"]
    assert versions(api) == before


def test_lists_and_bodies_are_bounded(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    before = versions(api)
    many = assessment_with(gaps=[{"kind": "skill", "description": "x"}] * (MAX_ITEMS + 1))
    too_many = api.post(f"{case}/self-assessment", EMPLOYEE, many)
    assert too_many.status_code == 422
    assert fields(too_many) == ["gaps"]
    huge = assessment_with(gaps=[{"kind": "skill", "description": "x" * 3000}] * 100)
    assert len(json.dumps(huge)) > MAX_BODY
    too_big = api.post(f"{case}/self-assessment", EMPLOYEE, huge)
    assert too_big.status_code == 413
    assert fields(too_big) == ["body"]
    assert versions(api) == before


def test_a_roster_nested_a_thousand_deep_is_refused(api: Api) -> None:
    nested = "[" * 1000 + "]" * 1000
    response = api.client.post(
        f"{API}/roster/import",
        content=nested.encode(),
        headers={**api.as_(HR_ADMIN), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text


def test_as_of_with_a_unicode_digit_is_422(api: Api) -> None:
    response = api.get(f"/cases/{api.case_id()}/history?as_of=\u00b2", HR_ADMIN)
    assert response.status_code == 422
    assert fields(response) == ["as_of"]


def test_policy_durations_are_bounded(api: Api) -> None:
    body = {
        "name": "forever",
        "opens_at": T0.isoformat(),
        "closes_at": (T0 + timedelta(days=200)).isoformat(),
        "policy": {"plan_due": "P999999999D"},
    }
    response = api.post("/cycles", HR_ADMIN, body)
    assert response.status_code == 422
    assert fields(response) == ["policy.plan_due"]


def test_a_cycle_in_the_past_or_far_away_is_refused(api: Api) -> None:
    listed = len(api.ok(api.get("/cycles", HR_ADMIN)))
    cases = [
        ("2001-01-01T00:00:00Z", "2001-06-30T00:00:00Z", "closes_at"),  # already over
        ("0001-01-01T00:00:00Z", "2026-06-30T00:00:00Z", "opens_at"),  # year 1
        ("2026-02-01T00:00:00Z", "2099-06-30T00:00:00Z", "closes_at"),  # decades ahead
    ]
    for opens, closes, field in cases:
        response = api.post(
            "/cycles", HR_ADMIN, {"name": "x", "opens_at": opens, "closes_at": closes}
        )
        assert response.status_code == 422, response.text
        assert fields(response) == [field]
    assert len(api.ok(api.get("/cycles", HR_ADMIN))) == listed
    draft = api.ok(
        api.post(
            "/cycles",
            HR_ADMIN,
            {"name": "short", "opens_at": at(1).isoformat(), "closes_at": at(20).isoformat()},
        ),
        201,
    )
    api.clock.to(30)  # its close date passes before HR opens it
    opened = api.post(f"/cycles/{draft['id']}/open", HR_ADMIN)
    assert opened.status_code == 422
    assert fields(opened) == ["closes_at"]


def test_csv_cells_never_start_a_formula(api: Api) -> None:
    roster = DEMO_ROSTER_CSV.replace(",Engineering,", ',=HYPERLINK("x"),')
    api.ok(
        api.client.post(
            f"{API}/roster/import",
            content=roster,
            headers={**api.as_(HR_ADMIN), "Content-Type": "text/csv"},
        )
    )
    api.project()
    text = api.get(f"/reports/cycles/{api.cycle_id}/funnel?format=csv", HR_ADMIN).text
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert '\'=HYPERLINK("x")' in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


def test_a_client_key_never_collides_with_the_keys_the_domain_derives(api: Api) -> None:
    case = api.hold_meeting()
    spec = item_spec(owner=EMPLOYEE, due=40).model_dump(mode="json")
    api.ok(api.post(f"{case}/action-items", EMPLOYEE, spec, key="recap:0"), 201)
    recap = {"learned": "a lot", "action_items": [spec], "follow_up_on": "2026-02-20"}
    shared = api.post(f"{case}/recap", MANAGER, recap)
    assert shared.status_code == 200, shared.text
    assert len(shared.json()["action_item_ids"]) == 2


def test_outsiders_see_only_themselves_and_service_ids_are_no_one(api: Api) -> None:
    outsider = api.auth("not-on-the-roster")
    assert api.client.get(f"{API}/me", headers=outsider).status_code == 200
    for path in ("/cycles", f"/cycles/{api.cycle_id}", "/roster"):
        assert api.client.get(f"{API}{path}", headers=outsider).status_code == 403, path
    assert api.client.get(f"{API}/cycles", headers=api.auth(EMPLOYEE)).status_code == 200
    claims = {"sub": "careerflow:system", "iss": "careerflow", "aud": "careerflow-api"}
    forged = jwt.encode(claims | {"exp": 4102444800}, "test-secret-" + "x" * 32, algorithm="HS256")
    response = api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_who_may_act_is_checked_before_the_phase(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    before = versions(api)
    for path in ("meeting/accept", "plan/approve", "plan/submit"):
        response = api.post(f"{case}/{path}", SKIP)
        assert response.status_code == 403, (path, response.text)
        assert "current" not in response.json()
    assert versions(api) == before


def test_a_peer_gets_a_receipt_of_their_feedback_and_nothing_of_the_case(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    api.ok(api.post(f"{case}/self-assessment", EMPLOYEE, assessment_with()))
    api.ok(api.post(f"{case}/goals", EMPLOYEE, goal().model_dump(mode="json")))
    api.ok(api.post(f"{case}/peer-feedback-requests", EMPLOYEE, {"peer_id": "linus"}))
    body = {"feedback": {"strengths": ["Clear writing"]}, "anonymous": True}
    for _ in range(2):  # the repeat too
        receipt = api.ok(api.post(f"{case}/peer-feedback", "linus", body, key="fb"))
        assert receipt == {
            "case_id": str(api.case_id()),
            "peer_id": "linus",
            "anonymous": True,
            "received": True,
        }
    assert api.get(case, "linus").status_code == 404


def test_anonymous_feedback_names_nobody_to_the_employee_and_the_manager(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    api.ok(api.post(f"{case}/peer-feedback-requests", EMPLOYEE, {"peer_id": "linus"}))
    body = {"feedback": {"improvements": ["Share plans earlier"]}, "anonymous": True}
    api.ok(api.post(f"{case}/peer-feedback", "linus", body))
    for who in (EMPLOYEE, MANAGER):
        history = api.ok(api.get(f"{case}/history", who))
        given = [e for e in history["entries"] if e["event"] == "PeerFeedbackReceived"]
        assert len(given) == 1
        assert given[0]["actor"] == "anonymous"
        assert "linus" not in json.dumps(given[0])
        as_of = api.ok(api.get(f"{case}/history?as_of={history['state']['version']}", who))
        assert "linus" not in json.dumps(
            [e for e in as_of["entries"] if e["event"] == "PeerFeedbackReceived"]
        )
    audited = api.ok(api.get(f"{case}/history?reason=audit", HR_ADMIN))
    (entry,) = [e for e in audited["entries"] if e["event"] == "PeerFeedbackReceived"]
    assert entry["actor"] == "linus"


def test_the_same_key_with_another_body_is_409_and_changes_nothing(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    first = api.ok(api.post(f"{case}/goals", EMPLOYEE, goal("g1").model_dump(mode="json"), key="k"))
    other = goal("g2").model_dump(mode="json")
    refused = api.post(f"{case}/goals", EMPLOYEE, other, key="k")
    assert refused.status_code == 409
    assert refused.json()["code"] == "idempotency_key_reused"
    assert api.ok(api.get(case, EMPLOYEE))["version"] == first["version"]
    same = api.ok(api.post(f"{case}/goals", EMPLOYEE, goal("g1").model_dump(mode="json"), key="k"))
    assert same["version"] == first["version"]
    roster = DEMO_ROSTER_CSV
    headers = {**api.as_(HR_ADMIN), "Content-Type": "text/csv", "Idempotency-Key": "r"}
    renamed = roster.replace("Ada Lovelace", "Ada King")
    api.ok(api.client.post(f"{API}/roster/import", content=renamed, headers=headers))
    again = api.client.post(f"{API}/roster/import", content=roster, headers=headers)
    assert again.status_code == 409
    assert api.application.get_roster().people["ada"].name == "Ada King"
