"""Rendering a page: the templates, the viewer's time zone, and what every page shows.

Times are written in the viewer's roster time zone; the navigation shows what the
viewer's roles open to them (tasks and inbox for everyone, the team for managers,
cycles for HR, the ledger for auditors and HR admins).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import humanize
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.auth import Caller
from api.pages.forms import DURATIONS, layout
from api.pages.session import csrf_token
from domain import errors
from domain.roster import Roster

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def goal_line(goal: Any) -> str:
    """A goal in one line, as plan versions are compared."""
    measure = goal.measurable
    target = f"{measure.target:g} {measure.unit or measure.metric}"
    return f"{goal.specific} — {target} by {goal.due_on.isoformat()}"


templates.env.filters["goal_line"] = goal_line


def words(name: str) -> str:
    """An event's class name as words: ``MeetingRequested`` → "Meeting requested"."""
    spaced = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
    return spaced[:1].upper() + spaced[1:]


templates.env.filters["words"] = words
templates.env.globals["form_layout"] = layout
templates.env.globals["durations"] = DURATIONS


def zone_of(roster: Roster, caller: Caller | None) -> ZoneInfo:
    person = None if caller is None else roster.get(caller.employee_id)
    return ZoneInfo(person.timezone if person and person.timezone else "UTC")


def nav(caller: Caller, roster: Roster) -> list[tuple[str, str]]:
    items = [("/tasks", "My tasks"), ("/inbox", "Inbox")]
    if caller.employee_id in roster.people:
        items.insert(1, ("/my-case", "My case"))
        items.append(("/growth", "My growth"))
        items.append(("/calendar", "Calendar"))
        items.append(("/absences", "Absences"))
        items.append(("/reads", "Who read my data"))
    if roster.direct_reports(caller.employee_id):
        items.append(("/team", "My team"))
    if caller.sees_everything or roster.overseen_by(caller.employee_id):
        items.append(("/cycles", "Cycles"))
    if caller.sees_everything:
        items.append(("/ledger", "Commitments"))
    if caller.is_hr_admin:
        items.append(("/roster", "Roster"))
    items.append(("/framework", "Career framework"))
    return items


def render(
    request: Request,
    template: str,
    *,
    caller: Caller | None,
    roster: Roster,
    now: datetime,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    zone = zone_of(roster, caller)

    def local(moment: datetime | None, with_zone: bool = True) -> str:
        if moment is None:
            return "—"
        shown = moment.astimezone(zone)
        return shown.strftime("%a %d %b %Y %H:%M" + (" %Z" if with_zone else ""))

    def lateness(seconds: int | float | None) -> str:
        if not seconds or seconds <= 0:
            return ""
        minutes = timedelta(minutes=int(seconds // 60))
        text: str = humanize.precisedelta(minutes, minimum_unit="hours", format="%d")
        return f"{text} late"

    person = None if caller is None else roster.get(caller.employee_id)
    return templates.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "who": person.name if person else (caller.employee_id if caller else None),
            "nav": [] if caller is None else nav(caller, roster),
            "csrf": csrf_token(request),
            "local": local,
            "lateness": lateness,
            "zone": zone.key,
            "now": now,
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )


def page(
    request: Request,
    template: str,
    caller: Caller | None,
    roster: Any,
    now: datetime,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return render(
        request, template, caller=caller, roster=roster, now=now, status_code=status_code, **context
    )


def refused(
    request: Request,
    caller: Caller | None,
    roster: Any,
    now: datetime,
    error: errors.DomainError | str,
    status: int | None = None,
) -> HTMLResponse:
    """The "not available" page: a refusal's reason (404 for what the caller may not see)."""
    if status is None:
        status = 404 if isinstance(error, errors.NotFound) else 403
    return page(request, "refused.html", caller, roster, now, status, message=str(error))
