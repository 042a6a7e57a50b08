"""The inbox is usable: paged, an unread count, marked read one by one or all at once,
and every message links to what it is about."""

from __future__ import annotations

import uuid

from api.schemas.case_public import CasePublic
from eventlog.follower import read_after
from notifications.channels import DomainDirectory
from notifications.inbox import InboxChannel
from notifications.notifier import Notifier
from tests.api.conftest import EMPLOYEE, MANAGER, Api
from tests.factories import at


def notify(api: Api) -> None:
    """What the notifier process does, for the log so far."""
    app = api.application
    Notifier(app, [InboxChannel(api.engine)], DomainDirectory()).handle(read_after(app, 0, 10_000))


def test_the_inbox_pages_counts_links_and_marks_read(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    api.clock.to(1)
    api.ok(api.post(f"{case}/meeting/request", EMPLOYEE, {"proposed_for": at(10).isoformat()}))
    api.ok(api.post(f"{case}/meeting/reschedule", MANAGER, {"new_time": at(11).isoformat(),
                                                              "reason": "offsite"}))  # fmt: skip
    api.ok(api.post(f"{case}/meeting/reschedule", MANAGER, {"new_time": at(12).isoformat(),
                                                              "reason": "again"}))  # fmt: skip
    notify(api)
    messages = api.ok(api.get("/me/inbox", MANAGER))
    assert len(messages) == 3  # the request, then two scheduled meetings
    assert all(m["link"] == f"/api/v1{case}" for m in messages)
    CasePublic.model_validate(api.ok(api.get(messages[0]["link"].removeprefix("/api/v1"), MANAGER)))
    first_page = api.ok(api.get("/me/inbox?limit=2", MANAGER))
    second_page = api.ok(api.get("/me/inbox?limit=2&offset=2", MANAGER))
    assert [m["id"] for m in first_page + second_page] == [m["id"] for m in messages]
    assert api.ok(api.get("/me/inbox/unread", MANAGER)) == {"unread": 3}

    one = messages[0]["id"]
    assert api.ok(api.post(f"/me/inbox/{one}/read", MANAGER)) == {"marked": 1}
    assert api.ok(api.post(f"/me/inbox/{one}/read", MANAGER)) == {"marked": 0}  # already
    assert api.ok(api.get("/me/inbox/unread", MANAGER)) == {"unread": 2}
    unread = api.ok(api.get("/me/inbox?unread_only=true", MANAGER))
    assert one not in {m["id"] for m in unread}
    assert api.post(f"/me/inbox/{one}/read", EMPLOYEE).status_code == 404  # not hers
    assert api.post(f"/me/inbox/{uuid.uuid4()}/read", MANAGER).status_code == 404
    assert api.ok(api.post("/me/inbox/read-all", MANAGER)) == {"marked": 2}
    assert api.ok(api.get("/me/inbox/unread", MANAGER)) == {"unread": 0}
    assert api.ok(api.get("/me/inbox/unread", EMPLOYEE))["unread"] == 2  # hers are untouched
