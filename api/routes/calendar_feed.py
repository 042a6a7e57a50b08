"""Calendar feeds: a person creates (or stops) their link; their calendar fetches it.

``POST /api/v1/me/calendar`` answers the feed's address once (a new one each time: the
old stops working), ``DELETE`` stops it; ``GET /calendar/{token}.ics`` is the feed
itself, fetched by a calendar without signing in (the token is its secret; anything
else is 404).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.calendar_feeds import feed_url
from api.deps import CurrentUser, Now, ServicesDep
from api.problems import PROBLEM_RESPONSES
from domain import errors

router = APIRouter(tags=["calendar"], responses=PROBLEM_RESPONSES)
CALENDAR = "text/calendar; charset=utf-8"


class CalendarLink(BaseModel):
    url: str = Field(description="subscribe to it from Outlook, Google or Apple Calendar")


@router.post("/api/v1/me/calendar", status_code=201, summary="A new link to my calendar feed")
def new_link(
    request: Request, caller: CurrentUser, services: ServicesDep, now: Now
) -> CalendarLink:
    """Your deadlines, meetings, check-ins and action items; the previous link stops."""
    token = services.calendars.issue(caller.employee_id, now)
    return CalendarLink(url=feed_url(request, token))


@router.delete("/api/v1/me/calendar", status_code=204, summary="Stop my calendar feed's link")
def stop_link(caller: CurrentUser, services: ServicesDep) -> Response:
    services.calendars.revoke(caller.employee_id)
    return Response(status_code=204)


@router.get("/calendar/{token}.ics", include_in_schema=False)
def calendar_feed(token: str, request: Request, services: ServicesDep, now: Now) -> Response:
    owner = services.calendars.owner_of(token)
    if owner is None:
        raise errors.NotFound("calendar feed", "this link")
    base = str(request.base_url).rstrip("/")
    body = services.calendars.feed(owner, base, now)
    return Response(body, media_type=CALENDAR, headers={"Cache-Control": "private, max-age=300"})
