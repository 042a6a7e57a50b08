"""Problem details for every failure, Idempotency-Key on POSTs, 503 when PostgreSQL is gone."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from careerflow.settings import Settings
from tests.api.conftest import API, EMPLOYEE, HR_ADMIN, MANAGER, Api, build_api
from tests.api.tcp_proxy import PgProxy
from tests.factories import CYCLE_CLOSES, T0, at

PROBLEM = "application/problem+json"


def events(api: Api) -> int:
    return len(list(api.application.events.get(api.case_id())))


def test_invalid_input_names_the_field_and_the_reason_and_writes_nothing(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    before = events(api)
    api.clock.to(1)
    short_notice = api.post(
        f"{case}/meeting/request", EMPLOYEE, {"proposed_for": at(2).isoformat()}
    )
    assert short_notice.status_code == 422
    assert short_notice.headers["content-type"] == PROBLEM
    problem = short_notice.json()
    assert problem["errors"] == [
        {"field": "proposed_for", "reason": "needs at least P7D notice, got P1D"}
    ]
    assert problem["code"] == "notice_too_short"
    malformed = api.post(f"{case}/meeting/request", EMPLOYEE, {"proposed_for": "next tuesday"})
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["proposed_for"]
    naive = api.post(f"{case}/meeting/request", EMPLOYEE, {"proposed_for": "2026-02-01T10:00:00"})
    assert naive.status_code == 422
    assert "timezone" in naive.json()["errors"][0]["reason"]
    not_json = api.client.post(
        f"{API}{case}/goals",
        content=b"{not json",
        headers={**api.as_(EMPLOYEE), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    bad_id = api.get("/cases/not-a-uuid", EMPLOYEE)
    assert bad_id.status_code == 422
    assert bad_id.json()["errors"][0]["field"] == "path.case_id"
    assert events(api) == before


def test_a_step_out_of_order_is_409_with_the_current_state(api: Api) -> None:
    response = api.post(f"/cases/{api.case_id()}/meeting/accept", MANAGER)
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["current"] == "preparing"
    assert response.json()["code"] == "meeting_not_pending"


def test_unknown_and_private_resources_are_404(api: Api) -> None:
    missing = api.get(f"/cases/{uuid.uuid4()}", HR_ADMIN)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert api.get("/nowhere", HR_ADMIN).status_code == 404


def test_tokens_are_checked(api: Api) -> None:
    anonymous = api.client.get(f"{API}/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    forged = jwt.encode(
        {"sub": HR_ADMIN, "roles": ["hr_admin"]},
        "a-guessed-secret-that-is-long-enough-0123",
        algorithm="HS256",
    )
    assert (
        api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    expired = api.tokens.issue(EMPLOYEE, hours=1)
    claims = jwt.decode(expired, options={"verify_signature": False})
    assert claims["sub"] == EMPLOYEE
    old = jwt.encode(
        claims | {"exp": datetime.now(UTC) - timedelta(minutes=1)},
        api.tokens._secret or "",
        algorithm="HS256",
    )
    response = api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_retried_post_with_the_same_key_happens_once(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    api.clock.to(1)
    body = {"proposed_for": at(10).isoformat()}
    first = api.post(f"{case}/meeting/request", EMPLOYEE, body, key="req-1")
    again = api.post(f"{case}/meeting/request", EMPLOYEE, body, key="req-1")
    assert first.status_code == again.status_code == 200
    assert first.json()["version"] == again.json()["version"]
    requested = [
        e for e in api.application.case_history(api.case_id()) if e.event == "MeetingRequested"
    ]
    assert len(requested) == 1
    assert requested[0].idempotency_key == "req-1"
    reused = api.post(f"{case}/self-assessment", EMPLOYEE, None, key="req-1")
    assert reused.status_code == 422  # the body is checked first
    api.clock.to(2)
    accepted = api.post(f"{case}/meeting/accept", MANAGER, key="req-1")
    assert accepted.status_code == 409
    assert accepted.json()["code"] == "idempotency_key_reused"


def test_creating_a_cycle_twice_with_one_key_creates_one_cycle(api: Api) -> None:
    body = {"name": "Retry me", "opens_at": T0.isoformat(), "closes_at": CYCLE_CLOSES.isoformat()}
    first = api.ok(api.post("/cycles", HR_ADMIN, body, key="cycle-x"), 201)
    second = api.ok(api.post("/cycles", HR_ADMIN, body, key="cycle-x"), 201)
    assert first["id"] == second["id"]
    names = [c["name"] for c in api.ok(api.get("/cycles", HR_ADMIN))]
    assert names.count("Retry me") == 1
    different = api.post("/cycles", HR_ADMIN, body | {"name": "Other"}, key="cycle-x")
    assert (different.status_code, different.json()["code"]) == (409, "identity_conflict")


def test_an_idempotency_key_must_be_printable(api: Api) -> None:
    response = api.post(f"/cases/{api.case_id()}/meeting/accept", MANAGER, key="a b")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"


@pytest.fixture
def proxied_api(pg_url: str, fresh_settings: Settings) -> Iterator[tuple[Api, PgProxy]]:
    proxy = PgProxy(pg_url)
    url = proxy.url(pg_url)
    settings = fresh_settings.model_copy(update={"database_url": url, "db_connect_timeout": 1})
    for api in build_api(settings, url):
        yield api, proxy


def test_an_unreachable_database_is_503_with_retry_after(
    proxied_api: tuple[Api, PgProxy],
) -> None:
    api, proxy = proxied_api
    assert api.client.get("/readyz").status_code == 200
    assert api.get("/cycles", HR_ADMIN).status_code == 200
    proxy.cut_off()
    first = api.get(f"/cases/{uuid.uuid4()}", HR_ADMIN)  # waits out the store's own retries
    created = api.post(  # then fails fast while the database is known to be down
        "/cycles",
        HR_ADMIN,
        {"name": "x", "opens_at": T0.isoformat(), "closes_at": CYCLE_CLOSES.isoformat()},
    )
    for response in (first, created):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert response.headers["content-type"] == PROBLEM
    ready = api.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] != "ok"


def test_a_request_in_flight_when_the_database_vanishes_is_answered_within_seconds(
    pg_url: str, fresh_settings: Settings
) -> None:
    """With the default connect timeout the store's own retries take half a minute."""
    proxy = PgProxy(pg_url)
    url = proxy.url(pg_url)
    settings = fresh_settings.model_copy(update={"database_url": url, "request_deadline": 2.0})
    for api in build_api(settings, url):
        assert api.get("/cycles", HR_ADMIN).status_code == 200
        proxy.cut_off()
        started = time.monotonic()
        response = api.get(f"/cases/{uuid.uuid4()}", HR_ADMIN)
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.headers["content-type"] == PROBLEM
        assert elapsed < 4, elapsed
