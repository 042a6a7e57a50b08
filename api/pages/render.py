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

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.auth import Caller
from api.pages.forms import DURATIONS, layout
from api.pages.session import csrf_token
from domain import errors
from domain.roster import Roster
from notifications import translations
from notifications.translations import _

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
templates.env.filters["sentence"] = lambda text: str(text)[:1].upper() + str(text)[1:]
"""Capitalised at its start only (Jinja's ``capitalize`` lowercases the rest: German nouns)."""
templates.env.globals["form_layout"] = layout
templates.env.globals["durations"] = DURATIONS
templates.env.add_extension("jinja2.ext.i18n")
templates.env.filters["t"] = translations.gettext  # a message id known only at run time
templates.env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
    translations.gettext, translations.ngettext, newstyle=True
)


def zone_of(roster: Roster, caller: Caller | None) -> ZoneInfo:
    person = None if caller is None else roster.get(caller.employee_id)
    return ZoneInfo(person.timezone if person and person.timezone else "UTC")


def nav(caller: Caller, roster: Roster) -> list[tuple[str, str]]:
    items = [("/tasks", _("My tasks")), ("/inbox", _("Inbox"))]
    if caller.employee_id in roster.people:
        items.insert(1, ("/my-case", _("My case")))
        items.append(("/growth", _("My growth")))
        items.append(("/calendar", _("Calendar")))
        items.append(("/absences", _("Absences")))
        items.append(("/reads", _("Who read my data")))
    if roster.direct_reports(caller.employee_id):
        items.append(("/team", _("My team")))
    if caller.sees_everything or roster.overseen_by(caller.employee_id):
        items.append(("/cycles", _("Cycles")))
    if caller.sees_everything:
        items.append(("/ledger", _("Commitments")))
    if caller.is_hr_admin:
        items.append(("/roster", _("Roster")))
    items.append(("/framework", _("Career framework")))
    return items


def language_of(request: Request, roster: Roster, caller: Caller | None) -> str:
    """The viewer's language: their roster ``locale``, else their browser's, else English."""
    person = None if caller is None else roster.get(caller.employee_id)
    own = None if person is None else person.locale
    return translations.negotiate(own, request.headers.get("accept-language"))


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
        return translations.when(moment, zone, with_zone=with_zone)

    def lateness(seconds: int | float | None) -> str:
        if not seconds or seconds <= 0:
            return ""
        return _("%(time)s late", time=translations.span(timedelta(seconds=seconds)))

    person = None if caller is None else roster.get(caller.employee_id)
    with translations.speaking(language_of(request, roster, caller)):
        return _response(request, template, caller, roster, person, local, lateness, zone,
                         now, status_code, context)  # fmt: skip


def _response(
    request: Request,
    template: str,
    caller: Caller | None,
    roster: Roster,
    person: Any,
    local: Any,
    lateness: Any,
    zone: ZoneInfo,
    now: datetime,
    status_code: int,
    context: dict[str, Any],
) -> HTMLResponse:
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
            "language": translations.language(),
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
