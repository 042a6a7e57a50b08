"""The calendar page: create (or stop) the link to one's own calendar feed."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.calendar_feeds import feed_url
from api.deps import Now, RosterDep, ServicesDep
from api.pages.render import render
from api.pages.session import CsrfChecked, PageCaller

router = APIRouter(include_in_schema=False)


@router.get("/calendar")
def calendar_page(request: Request, caller: PageCaller, roster: RosterDep, now: Now) -> Response:
    return render(request, "calendar.html", caller=caller, roster=roster, now=now,
                  url=None, stopped=False)  # fmt: skip


@router.post("/calendar/{action}")
def change_link(
    request: Request,
    action: Literal["link", "stop"],
    caller: PageCaller,
    roster: RosterDep,
    services: ServicesDep,
    now: Now,
    _: CsrfChecked,
) -> Response:
    """``link``: a new link, shown this once (the previous one stops working); ``stop``: none."""
    url = None
    if action == "link":
        url = feed_url(request, services.calendars.issue(caller.employee_id, now))
    else:
        services.calendars.revoke(caller.employee_id)
    return render(request, "calendar.html", caller=caller, roster=roster, now=now,
                  url=url, stopped=action == "stop")  # fmt: skip
