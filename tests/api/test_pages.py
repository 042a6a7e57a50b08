"""The pages over HTTP (no browser): sign-in, CSRF, each role's screens, steps with their
field errors, and the API's access rules on every page."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient

from tests.api.conftest import AUDITOR, EMPLOYEE, HR_ADMIN, HR_PARTNER, MANAGER, SKIP, STRANGER, Api
from tests.factories import T0

PEER = "linus"


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page carries a CSRF token"
    return found.group(1)


def browser(api: Api, who: str, role: str = "") -> TestClient:
    """A client signed in through the development sign-in page (read models up to date)."""
    api.project()
    client = TestClient(api.client.app, follow_redirects=False)
    page = client.get("/sign-in")
    assert page.status_code == 200
    answer = client.post(
        "/sign-in", data={"employee_id": who, "role": role, "csrf_token": csrf(page.text)}
    )
    assert answer.status_code == 303, answer.text
    return client


def step(client: TestClient, case_id: object, path: str, **fields: str) -> httpx.Response:
    page = client.get(f"/cases/{case_id}")
    answer: httpx.Response = client.post(
        f"/cases/{case_id}/steps/{path}", data={"csrf_token": csrf(page.text), **fields}
    )
    return answer


def test_signing_in_and_the_csrf_token(api: Api) -> None:
    anonymous = TestClient(api.client.app, follow_redirects=False)
    assert anonymous.get("/tasks").headers["location"] == "/sign-in"
    page = anonymous.get("/sign-in")
    assert "Ada Lovelace" in page.text
    assert "Development sign-in" in page.text
    refused = anonymous.post("/sign-in", data={"employee_id": EMPLOYEE, "csrf_token": "forged"})
    assert refused.status_code == 403
    assert anonymous.get("/tasks").status_code == 303  # still nobody
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    ada = browser(api, EMPLOYEE)
    tasks = ada.get("/tasks")
    assert tasks.status_code == 200
    assert "Request the career conversation" in tasks.text
    out = ada.post("/sign-out", data={"csrf_token": csrf(tasks.text)})
    assert out.status_code == 303
    assert ada.get("/tasks").status_code == 303


def test_a_step_from_its_form_with_errors_next_to_the_field(api: Api) -> None:
    case_id = api.case_id()
    ada = browser(api, EMPLOYEE)
    page = ada.get(f"/cases/{case_id}")
    assert 'id="form-meeting-request"' in page.text
    assert "Earliest allowed" in page.text
    too_soon = (T0 + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    answer = step(ada, case_id, "meeting/request", proposed_for=too_soon)
    assert answer.status_code == 422
    body = answer.text
    assert 'class="field invalid"' in body
    assert "notice" in body
    assert api.application.get_case(case_id).phase.value == "preparing"  # nothing written

    later = (T0 + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    done = step(ada, case_id, "meeting/request", proposed_for=later)
    assert done.status_code == 303
    case = api.application.get_case(case_id)
    assert case.phase.value == "meeting_requested"
    assert case.meeting_at is not None
    assert case.meeting_at.utcoffset() is not None

    grace = browser(api, MANAGER)
    api.project()
    assert 'id="form-meeting-accept"' in grace.get(f"/cases/{case_id}").text
    assert step(grace, case_id, "meeting/accept").status_code == 303
    assert api.application.get_case(case_id).phase.value == "meeting_scheduled"


def test_pages_obey_the_api_access_rules(api: Api) -> None:
    case_id = api.case_id()
    stranger = browser(api, STRANGER)
    assert stranger.get(f"/cases/{case_id}").status_code == 404
    refused = step(stranger, api.case_id(STRANGER), "meeting/accept")  # her own case, not her step
    assert refused.status_code in (403, 422)
    assert stranger.get("/cycles").status_code == 403
    auditor = browser(api, AUDITOR, "auditor")
    asked = auditor.get(f"/cases/{case_id}")  # outside the auditor's department: why?
    assert asked.status_code == 200
    assert 'name="reason"' in asked.text
    assert 'id="form-' not in asked.text
    assert "Ada Lovelace&#39;s career" not in asked.text
    assert auditor.get(f"/cases/{case_id}?reason=audit").status_code == 200
    history = auditor.get(f"/cases/{case_id}/history?as_of=1&reason=audit")
    assert history.status_code == 200
    assert "CaseOpened" in history.text
    assert (
        step(auditor, case_id, "meeting/request", proposed_for="2026-01-20T10:00").status_code
        == 403
    )
    hr = browser(api, HR_ADMIN, "hr_admin")
    api.project()
    dashboard = hr.get(f"/cycles/{api.cycle_id}")
    assert dashboard.status_code == 200
    assert "Funnel by department" in dashboard.text
    assert "Ada Lovelace" in dashboard.text


def test_a_peer_sees_only_the_feedback_asked_of_them(api: Api) -> None:
    case_id = api.case_id()
    ada = browser(api, EMPLOYEE)
    assert step(ada, case_id, "peer-feedback-requests", peer_id=PEER).status_code == 303
    api.project()
    linus = browser(api, PEER)
    assert "Answer the peer-feedback request" in linus.get("/tasks").text
    page = linus.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert 'id="form-peer-feedback"' in page.text
    assert "timeline" not in page.text
    answer = step(linus, case_id, "peer-feedback", **{
        "feedback.strengths.0": "Clear designs, as in the cache RFC",
        "anonymous": "on",
    })  # fmt: skip
    assert answer.status_code == 303, re.findall("alert.>([^<]*)", answer.text)
    assert api.application.get_case(case_id).peer_feedback[PEER] is not None


def test_the_api_docs_load_nothing_from_another_host(api: Api) -> None:
    docs = api.client.get("/docs")
    assert docs.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text  # Swagger UI 5
    assert "cdn" not in docs.text.lower()
    assert api.client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert api.client.get("/static/style.css").status_code == 200


CALLERS = {
    "own": (EMPLOYEE, ""),
    "manager": (MANAGER, ""),
    "skip_level": (SKIP, ""),
    "hr_partner": (HR_PARTNER, ""),
    "unrelated": (STRANGER, ""),
    "hr_admin": (HR_ADMIN, "hr_admin"),
    "auditor": (AUDITOR, "auditor"),
}
PAGES: dict[str, dict[str, int]] = {
    "/tasks": dict.fromkeys(CALLERS, 200),
    "/inbox": dict.fromkeys(CALLERS, 200),
    "/team": dict.fromkeys(CALLERS, 200),
    "/cases/{case}": dict.fromkeys(CALLERS, 200) | {"unrelated": 404},
    "/cases/{case}/history": dict.fromkeys(CALLERS, 200) | {"unrelated": 404},
    "/cycles": dict.fromkeys(CALLERS, 200) | {"own": 403, "unrelated": 403},
    "/cycles/{cycle}": dict.fromkeys(CALLERS, 200) | {"own": 403, "unrelated": 403},
    "/ledger": dict.fromkeys(CALLERS, 200) | {"own": 403, "unrelated": 403},
}
"""Each page x each relationship to Ada (the API's rules: DESIGN.md §4)."""


def test_every_page_for_every_relationship(api: Api) -> None:
    case, cycle = api.case_id(), api.cycle_id
    clients = {name: browser(api, who, role) for name, (who, role) in CALLERS.items()}
    found = {
        (page, name): clients[name].get(page.format(case=case, cycle=cycle)).status_code
        for page in PAGES
        for name in CALLERS
    }
    expected = {(page, name): PAGES[page][name] for page in PAGES for name in CALLERS}
    assert found == expected


STEP_RULES = {
    # the employee's step: only she may take it; unrelated people cannot see the case
    "meeting/request": {"manager": 403, "skip_level": 403, "hr_partner": 403,
                        "unrelated": 404, "hr_admin": 403, "auditor": 403, "own": 303},
    # the manager's step
    "meeting/accept": {"own": 403, "skip_level": 403, "hr_partner": 403,
                       "unrelated": 404, "hr_admin": 403, "auditor": 403, "manager": 303},
    # either party's step
    "agenda": {"skip_level": 403, "hr_partner": 403, "unrelated": 404, "hr_admin": 403,
               "auditor": 403, "manager": 303},
}  # fmt: skip


def test_every_form_for_every_relationship_writes_only_when_allowed(api: Api) -> None:
    case = api.case_id()
    clients = {name: browser(api, who, role) for name, (who, role) in CALLERS.items()}
    when = (T0 + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    for path, rules in STEP_RULES.items():
        for name, status in rules.items():  # the allowed caller comes last
            before = api.application.get_case(case).version
            answer = step(clients[name], case, path, proposed_for=when, topics="goals")
            assert (name, answer.status_code) == (name, status)
            if status != 303:
                assert api.application.get_case(case).version == before
    assert api.application.get_case(case).agenda is not None
    # a form sent without this session's token is refused, whoever sends it
    forged = clients["manager"].post(f"/cases/{case}/steps/meeting/accept",
                                     data={"csrf_token": "x"})  # fmt: skip
    assert forged.status_code == 403


def test_dashboard_numbers_download_as_csv_for_those_who_see_the_dashboard(api: Api) -> None:
    hr = browser(api, HR_ADMIN, "hr_admin")
    for name in ("funnel", "on-time", "managers", "cases"):
        answer = hr.get(f"/cycles/{api.cycle_id}/export/{name}.csv")
        assert answer.status_code == 200, name
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.text.count("\n") >= 2, name  # a header and at least one row
    assert "Ada Lovelace" in hr.get(f"/cycles/{api.cycle_id}/export/cases.csv").text
    assert hr.get(f"/cycles/{api.cycle_id}/export/salaries.csv").status_code == 404
    ada = browser(api, EMPLOYEE)
    assert ada.get(f"/cycles/{api.cycle_id}/export/cases.csv").status_code == 403


def test_hr_creates_opens_and_closes_a_cycle_from_the_pages(api: Api) -> None:
    hr = browser(api, HR_ADMIN, "hr_admin")
    form = hr.get("/cycles/new")
    assert form.status_code == 200
    token = csrf(form.text)
    bad = hr.post(
        "/cycles/new",
        data={
            "csrf_token": token,
            "name": "2026 H2",
            "opens_at": "2026-07-01T09:00",
            "closes_at": "2026-06-01T09:00",
            "prep_days": "x",
        },
    )
    assert bad.status_code == 422
    assert "a whole number of days" in bad.text
    made = hr.post(
        "/cycles/new",
        data={
            "csrf_token": token,
            "name": "2026 H2",
            "opens_at": "2026-01-06T09:00",
            "closes_at": "2026-06-30T17:00",
            "prep_days": "10",
        },
    )
    assert made.status_code == 303, re.findall("alert.>([^<]*)", made.text)
    cycle_path = made.headers["location"]
    cycle_id = cycle_path.rsplit("/", 1)[1]
    cycle = next(c for c in api.application.list_cycles() if str(c.id) == cycle_id)
    assert cycle.policy.prep_window == timedelta(days=10)
    assert cycle.opens_at.utcoffset() is not None  # entered in Hedy's own zone
    opened = hr.post(f"{cycle_path}/open", data={"csrf_token": token})
    assert opened.status_code == 303
    assert "opened=9" in opened.headers["location"]
    ada = browser(api, EMPLOYEE)
    refused = ada.post(f"{cycle_path}/close", data={"csrf_token": csrf(ada.get("/tasks").text)})
    assert refused.status_code == 403
    closed = hr.post(f"{cycle_path}/close", data={"csrf_token": token})
    assert closed.status_code == 303
    assert api.application.get_cycle(cycle.id).status.value == "closed"


def test_hr_imports_the_roster_after_seeing_what_would_change(api: Api) -> None:
    from careerflow.demo_org import DEMO_ROSTER_CSV

    hr = browser(api, HR_ADMIN, "hr_admin")
    token = csrf(hr.get("/roster").text)
    grown = DEMO_ROSTER_CSV + "nell,Nell Harris,nell@example.com,grace,Engineering,frances,UTC\n"
    version = api.application.get_roster().version
    preview = hr.post("/roster", data={"csrf_token": token, "text": grown})
    assert preview.status_code == 200
    assert "nothing is written yet" in preview.text
    assert "nell" in preview.text
    assert api.application.get_roster().version == version
    broken = hr.post("/roster", data={"csrf_token": token,
                                      "text": grown + "x,X,not-an-address,,Sales,,\n"})  # fmt: skip
    assert broken.status_code == 422
    assert "row" in broken.text
    done = hr.post("/roster", data={"csrf_token": token, "text": grown, "confirm": "yes"})
    assert done.status_code == 200
    assert "Imported: 1 added" in done.text
    assert "nell" in api.application.get_roster().people
    ada = browser(api, EMPLOYEE)
    assert ada.get("/roster").status_code == 403


def test_the_ledger_filters_and_exports(api: Api) -> None:
    auditor = browser(api, AUDITOR, "auditor")
    page = auditor.get(f"/ledger?cycle_id={api.cycle_id}&employee_id=ada")
    assert page.status_code == 200
    assert "Career conversations 2026" in page.text
    export = auditor.get(f"/ledger?cycle_id={api.cycle_id}&format=csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert auditor.get("/ledger?cycle_id=not-a-cycle").status_code == 404
