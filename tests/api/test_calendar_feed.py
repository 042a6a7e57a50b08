"""Each person's private calendar feed: parsed by ``icalendar`` with the right events,
changing as the case moves, and refused for a wrong, replaced or stopped link."""

from __future__ import annotations

from icalendar import Calendar

from tests.api import conftest as c
from tests.api.conftest import API, Api
from tests.factories import at


def link(api: Api, who: str) -> str:
    url: str = api.ok(api.post("/me/calendar", who), 201)["url"]
    assert url.startswith("http://testserver/calendar/")
    return url.removeprefix("http://testserver")


def events(api: Api, path: str) -> dict[str, str]:
    """The feed's events: summary → start."""
    api.project()
    answer = api.client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    return {
        str(event["summary"]): event.decoded("dtstart").isoformat()
        for event in calendar.walk("VEVENT")
    }


def test_the_feed_follows_the_case_and_its_link_can_be_replaced_or_stopped(api: Api) -> None:
    mine = link(api, c.EMPLOYEE)
    first = events(api, mine)
    assert any(s.startswith("Record your self-assessment (Ada Lovelace)") for s in first)
    assert all("Grace" not in s for s in first)  # only Ada's own work

    case = f"/cases/{api.case_id()}"
    api.clock.to(1)
    api.ok(api.post(f"{case}/meeting/request", c.EMPLOYEE, {"proposed_for": at(10).isoformat()}))
    api.ok(api.post(f"{case}/meeting/accept", c.MANAGER))
    moved = events(api, mine)
    meeting = "Hold the career conversation and record it (Ada Lovelace)"
    assert moved[meeting] == at(10).isoformat()
    graces = events(api, link(api, c.MANAGER))
    assert meeting in graces  # the manager's feed has the same meeting

    assert api.client.get("/calendar/not-a-real-token-at-all-xxxxxxxx.ics").status_code == 404
    replaced = link(api, c.EMPLOYEE)
    assert api.client.get(mine).status_code == 404  # the previous link stopped
    assert events(api, replaced)
    assert api.client.delete(f"{API}/me/calendar", headers=api.as_(c.EMPLOYEE)).status_code == 204
    assert api.client.get(replaced).status_code == 404
    assert api.client.post(f"{API}/me/calendar").status_code == 401
