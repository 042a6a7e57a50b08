"""German for a person whose roster locale is ``de`` (pages and messages), for a browser
that asks for it, and in problem details; English for everyone else."""

from __future__ import annotations

from typing import Any

from eventlog.follower import read_after
from notifications.directory import RosterDirectory
from notifications.inbox import InboxChannel
from notifications.notifier import Notifier
from tests.api import conftest as c
from tests.api.conftest import API, Api
from tests.api.test_pages import browser


def local_page(api: Api, who: str, path: str, headers: dict[str, str] | None = None) -> str:
    response = browser(api, who).get(path, headers=headers or {})
    assert response.status_code == 200, response.text
    return str(response.text)


def speaking_german(api: Api, who: str) -> None:
    people: list[dict[str, Any]] = [
        {**p.model_dump(mode="json"), **({"locale": "de"} if p.employee_id == who else {})}
        for p in api.application.get_roster().people.values()
    ]
    imported = api.client.post(f"{API}/roster/import", json=people, headers=api.as_(c.HR_ADMIN))
    assert imported.status_code == 200, imported.text


def test_pages_and_messages_in_the_persons_language(api: Api) -> None:
    speaking_german(api, c.EMPLOYEE)
    page = local_page(api, c.EMPLOYEE, "/tasks")
    assert '<html lang="de">' in page
    assert "Meine Aufgaben" in page
    assert "Deine Selbsteinschätzung erfassen" in page
    english = local_page(api, c.MANAGER, "/tasks")
    assert '<html lang="en">' in english
    assert "My tasks" in english
    browser_german = local_page(api, c.MANAGER, "/tasks", {"Accept-Language": "de-DE,de;q=0.9"})
    assert "Meine Aufgaben" in browser_german

    api.hold_meeting()
    app = api.application  # the notifier with the roster's names, zones and languages
    directory = RosterDirectory(app)
    Notifier(app, [InboxChannel(api.engine)], directory).handle(read_after(app, 0, 10_000))
    to_ada = api.ok(api.get("/me/inbox", c.EMPLOYEE))
    scheduled = next(m for m in to_ada if m["subject"] == "Karrieregespräch vereinbart")
    assert "Wann: " in scheduled["body"]
    assert "Zyklus: " in scheduled["body"]
    to_grace = api.ok(api.get("/me/inbox", c.MANAGER))
    assert any(m["subject"] == "Career conversation scheduled" for m in to_grace)
    assert "When: " in next(m for m in to_grace if m["subject"].startswith("Career"))["body"]


def test_problem_titles_follow_accept_language(api: Api) -> None:
    refused = api.client.post(
        f"{API}/absences",
        json={"starts_on": "2026-01-09", "ends_on": "2026-01-01"},
        headers={**api.as_(c.MANAGER), "Accept-Language": "de"},
    )
    assert refused.status_code == 422
    assert refused.json()["title"] == "Ungültige Eingabe"
    assert refused.json()["errors"][0]["field"] == "ends_on"
