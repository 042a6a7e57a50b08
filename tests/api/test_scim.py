"""SCIM 2.0 provisioning: the compliance checker against the running app, and what the
identity provider's changes do to the roster, its read model and the cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scim2_client import BaseSyncSCIMClient
from scim2_tester import Status, check_server
from sqlalchemy import select

from careerflow.settings import Settings
from projections.roster_people import roster_people
from tests.api import conftest as c
from tests.api.conftest import Api, build_api, with_company
from tests.api.test_browser import serving

TOKEN = "scim-" + "t" * 40
SCIM = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def scim_api(pg_url: str, fresh_settings: Settings) -> Iterator[Api]:
    """The API with a provisioning token, the demo company and an open cycle."""
    settings = fresh_settings.model_copy(update={"scim_token": TOKEN})
    for api in build_api(settings, pg_url):
        yield with_company(api)


@pytest.fixture
def served(scim_api: Api) -> Iterator[str]:
    """The app under uvicorn: the checker talks HTTP to a running server."""
    with serving(scim_api.client.app) as base:
        yield f"{base}/scim/v2"


class HttpxSCIMClient(BaseSyncSCIMClient):
    """scim2-client over an ``httpx.Client`` (its own engine wants the httpx2 fork)."""

    def __init__(self, client: httpx.Client) -> None:
        super().__init__()
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.host == base.host and url.path.startswith(base.path.rstrip("/"))

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, url, **kwargs)


def test_the_compliance_checker_finds_no_failure(served: str) -> None:
    with httpx.Client(base_url=served, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        results = check_server(HttpxSCIMClient(http))
    failed = [
        (r.title, r.reason)
        for r in results
        if r.status in (Status.ERROR, Status.CRITICAL, Status.DEVIATION)
    ]
    assert failed == [], "\n".join(f"{title}: {reason}" for title, reason in failed)
    assert sum(r.status is Status.SUCCESS for r in results) > 20


def user(employee: str, manager: str | None, **more: Any) -> dict[str, Any]:
    enterprise: dict[str, Any] = {"department": more.pop("department", "Engineering")}
    if manager:
        enterprise["manager"] = {"value": manager}
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": employee,
        "displayName": more.pop("name", employee.title()),
        "emails": [{"value": f"{employee}@example.com", "primary": True}],
        "active": True,
        ENTERPRISE: enterprise,
        **more,
    }


def scim(api: Api, method: str, path: str, body: Any = None, token: str = TOKEN) -> Any:
    headers = {**SCIM, "Authorization": f"Bearer {token}"}
    return api.client.request(method, f"/scim/v2{path}", json=body, headers=headers)


def test_create_update_deactivate_reach_the_roster_and_the_cases(scim_api: Api) -> None:
    api = scim_api
    assert scim(api, "GET", "/Users", token="wrong" * 10).status_code == 401
    assert api.client.get("/scim/v2/Users", headers=api.as_(c.HR_ADMIN)).status_code == 401
    created = scim(api, "POST", "/Users", user("joan", "grace", name="Joan Clarke"))
    assert created.status_code == 201, created.text
    assert created.headers["location"].endswith("/scim/v2/Users/joan")
    assert scim(api, "POST", "/Users", user("joan", "grace")).status_code == 409
    looped = scim(api, "PUT", "/Users/grace", user("grace", "ada", name="Grace Hopper"))
    assert looped.status_code == 400
    assert "loops" in looped.json()["detail"]
    unknown = scim(api, "POST", "/Users", user("kay", "nobody"))
    assert unknown.status_code == 400
    assert "manager_id" in unknown.json()["detail"]
    roster = api.application.get_roster()
    assert roster.manager_of("joan") == "grace"
    assert "kay" not in roster.people
    found = scim(api, "GET", '/Users?filter=userName eq "joan"').json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["displayName"] == "Joan Clarke"

    # Ada moves to Edsger: her open case follows, recorded with the provisioning actor.
    moved = scim(
        api,
        "PATCH",
        "/Users/ada",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "edsger"}}
            ],
        },
    )
    assert moved.status_code == 200, moved.text
    assert api.cycle_id is not None
    assert api.application.case_for(api.cycle_id, "ada").manager_id == "edsger"
    events = list(api.application.events.get(roster.id))
    assert getattr(events[-1], "actor", None) == "careerflow:scim"

    # Linus is deactivated: kept in SCIM, off the roster's relationships, his case withdrawn.
    off = scim(
        api,
        "PATCH",
        "/Users/linus",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        },
    )
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    assert "linus" not in api.application.get_roster().people
    case = api.application.case_for(api.cycle_id, "linus")
    assert case.is_closed
    assert case.outcome is not None
    assert case.outcome.value == "withdrawn"
    assert scim(api, "GET", "/Users/linus").json()["active"] is False

    api.project()
    with api.engine.connect() as conn:
        rows = conn.execute(select(roster_people.c.employee_id, roster_people.c.name))
        names = {str(row[0]): str(row[1]) for row in rows}
    assert names["joan"] == "Joan Clarke"
    assert scim(api, "DELETE", "/Users/joan").status_code == 204
    assert scim(api, "GET", "/Users/joan").status_code == 404
    assert "joan" not in api.application.get_roster().people
