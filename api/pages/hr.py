"""HR admins' pages: create, open and close a cycle; import the roster after a preview.

The same application calls and access checks as the API's routes (``api.routes.cycles``
and ``api.routes.roster_routes``): the create form becomes a ``CycleCreate``; the roster
file goes through the same parser and validation, first as a dry run whose diff is
shown, then — after the admin confirms — for real.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api import access
from api.auth import Caller
from api.deps import App, Now, RosterDep
from api.pages.dashboard import forget
from api.pages.forms import field_name
from api.pages.previewed_imports import preview_or_import
from api.pages.render import refused, render, zone_of
from api.pages.session import CsrfChecked, PageCaller
from api.roster_files import parse_roster
from api.schemas.cycle_public import CycleCreate
from api.schemas.roster_public import RosterImportPublic
from domain import errors
from domain.roster import Roster

router = APIRouter(include_in_schema=False)

MAX_ROSTER_TEXT = 8 * 1024 * 1024
"""A roster pasted or uploaded through the page (larger files go through the API)."""


def _local(value: str, request_zone: Any) -> str:
    if not value:
        return value
    try:
        return datetime.fromisoformat(value).replace(tzinfo=request_zone).isoformat()
    except ValueError:
        return value


def _hr_admin_form(
    request: Request, caller: Caller, roster: Roster, now: datetime, action: str, template: str,
    **context: Any,
) -> HTMLResponse:  # fmt: skip
    """An HR admin's empty form; anyone else is refused with the reason."""
    try:
        access.require_hr_admin(caller, action)
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    return render(request, template, caller=caller, roster=roster, now=now, **context)


@router.get("/cycles/new")
def new_cycle(request: Request, caller: PageCaller, roster: RosterDep, now: Now) -> HTMLResponse:
    return _hr_admin_form(request, caller, roster, now, "create a cycle", "cycle_new.html",
                          problems={}, values={})  # fmt: skip


@router.post("/cycles/new")
def create_cycle(
    request: Request,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    now: Now,
    _: CsrfChecked,
    name: Annotated[str, Form(max_length=200)] = "",
    opens_at: Annotated[str, Form(max_length=40)] = "",
    closes_at: Annotated[str, Form(max_length=40)] = "",
    okr_planning_on: Annotated[str, Form(max_length=20)] = "",
    prep_days: Annotated[str, Form(max_length=6)] = "14",
    request_days: Annotated[str, Form(max_length=6)] = "21",
    approval_days: Annotated[str, Form(max_length=6)] = "5",
    digest_hour: Annotated[str, Form(max_length=4)] = "8",
) -> Response:
    values = {"name": name, "opens_at": opens_at, "closes_at": closes_at,
              "okr_planning_on": okr_planning_on, "prep_days": prep_days,
              "request_days": request_days, "approval_days": approval_days,
              "digest_hour": digest_hour}  # fmt: skip
    problems: dict[str, str] = {}
    zone = zone_of(roster, caller)

    def days(field: str, value: str) -> str:
        if not value.strip().isdigit():
            problems[field] = "a whole number of days"
            return "P1D"
        return f"P{int(value)}D"

    policy: dict[str, Any] = {
        "prep_window": days("prep_days", prep_days),
        "meeting_request_window": days("request_days", request_days),
        "approval_sla": days("approval_days", approval_days),
        "escalation_digest_hour": int(digest_hour) if digest_hour.strip().isdigit() else None,
    }
    body: dict[str, Any] = {
        "name": name.strip(),
        "opens_at": _local(opens_at, zone),
        "closes_at": _local(closes_at, zone),
        "okr_planning_on": okr_planning_on or None,
        "policy": policy,
    }
    cycle_id = uuid4()
    try:
        access.require_hr_admin(caller, "create a cycle")
        if problems:
            raise errors.InvalidCommand(*next(iter(problems.items())))
        spec = CycleCreate.model_validate(body)
        application.create_cycle(
            cycle_id=cycle_id, name=spec.name, opens_at=spec.opens_at, closes_at=spec.closes_at,
            okr_planning_on=spec.okr_planning_on, policy=spec.policy,
            actor=caller.employee_id, at=now,
        )  # fmt: skip
    except ValidationError as invalid:
        for error in invalid.errors():
            problems.setdefault(field_name(error["loc"]).removeprefix("policy."), error["msg"])
    except errors.InvalidCommand as invalid:
        problems[invalid.field] = invalid.reason
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    if problems:
        return render(request, "cycle_new.html", caller=caller, roster=roster, now=now,
                      status_code=422, problems=problems, values=values)  # fmt: skip
    return RedirectResponse(f"/cycles/{cycle_id}", status_code=303)


@router.post("/cycles/{cycle_id}/{action}")
async def open_or_close(
    request: Request,
    cycle_id: UUID,
    action: str,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    now: Now,
    _: CsrfChecked,
) -> Response:
    """Open (every roster employee with a manager; again: new hires) or close the cycle."""
    try:
        if action not in ("open", "close"):
            raise errors.NotFound("action", action)
        access.require_hr_admin(caller, f"{action} a cycle")
        if action == "open":
            people = roster.enrolment(None, None)
            result = await run_in_threadpool(
                lambda: application.open_cycle(
                    cycle_id, population=people, actor=caller.employee_id, at=now
                )
            )
        else:
            result = await run_in_threadpool(
                lambda: application.close_cycle(cycle_id, actor=caller.employee_id, at=now)
            )
    except errors.DomainError as error:
        status = 404 if isinstance(error, errors.NotFound) else 403
        if not isinstance(error, errors.NotFound | errors.NotPermitted):
            status = 409
        return refused(request, caller, roster, now, error, status)
    forget(cycle_id)
    done = "opened" if action == "open" else "closed"
    return RedirectResponse(f"/cycles/{cycle_id}?{done}={result.changed}", status_code=303)


@router.get("/roster")
def roster_page(request: Request, caller: PageCaller, roster: RosterDep, now: Now) -> Response:
    return _hr_admin_form(request, caller, roster, now, "import the roster", "roster.html",
                          preview=None, text="", problem=None, imported=None)  # fmt: skip


@router.post("/roster")
async def roster_import(
    request: Request,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    now: Now,
    _: CsrfChecked,
    text: Annotated[str, Form(max_length=MAX_ROSTER_TEXT)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
    allow_removals: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Without ``confirm``: the diff (nothing written). With it: the import itself."""

    def run(dry_run: bool) -> RosterImportPublic:
        people = application.checked_roster(parse_roster(text, "text/csv"))
        return RosterImportPublic.of(
            application.import_roster(
                people, source="pages:text/csv", actor=caller.employee_id, at=now,
                dry_run=dry_run, allow_removals=bool(allow_removals),
            )
        )  # fmt: skip

    try:
        done = await preview_or_import(caller, "import the roster", bool(confirm), run)
    except errors.NotPermitted as error:
        return refused(request, caller, roster, now, error)
    return render(request, "roster.html", caller=caller, roster=roster, now=now,
                  status_code=done.status, preview=done.preview,
                  text="" if done.imported else text, problem=done.problem,
                  imported=done.imported)  # fmt: skip
