"""The absences page: record one's absence (and a delegate), end it early, see whom one
acts for. HR admins and HR partners may record one for someone they look after."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api import access
from api.deps import App, Now, RosterDep
from api.pages.render import refused, render
from api.pages.session import CsrfChecked, PageCaller
from api.schemas.absence_public import AbsencePublic
from domain import errors
from domain.roster import Roster

router = APIRouter(include_in_schema=False)
NEARBY = 60
"""How many people the delegate list offers (one's manager, skip-level, peers, reports)."""


def nearby(roster: Roster, employee_id: str) -> list[tuple[str, str]]:
    """(id, name) of the people someone would usually hand their work to, by name."""
    manager = roster.manager_of(employee_id)
    ids = [manager, roster.manager_of(manager) if manager else None]
    ids += list(roster.direct_reports(manager) if manager else ())
    ids += list(roster.direct_reports(employee_id))
    people = {i: roster.get(i) for i in ids if i and i != employee_id}
    named = sorted((p.name, i) for i, p in people.items() if p is not None)
    return [(i, name) for name, i in named[:NEARBY]]


def _page(
    request: Request, caller: Any, roster: Roster, now: Any, status: int = 200, **form: Any
) -> Response:
    mine = sorted(roster.absences_of(caller.employee_id), key=lambda a: a.starts_at)
    return render(
        request, "absences.html", caller=caller, roster=roster, now=now, status_code=status,
        absences=[AbsencePublic.of(a, now) for a in mine][-50:],
        acting_for=[(p, roster.get(p)) for p in sorted(caller.covers)],
        delegates={a.delegate_id: roster.get(a.delegate_id) for a in mine if a.delegate_id},
        people=nearby(roster, caller.employee_id),
        keeps_others=caller.is_hr_admin or bool(roster.partnered.get(caller.employee_id)),
        values=form.get("values", {}), problems=form.get("problems", {}),
    )  # fmt: skip


@router.get("/absences")
def absences_page(request: Request, caller: PageCaller, roster: RosterDep, now: Now) -> Response:
    return _page(request, caller, roster, now)


@router.post("/absences")
async def record_absence(
    request: Request,
    caller: PageCaller,
    roster: RosterDep,
    application: App,
    now: Now,
    _: CsrfChecked,
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    delegate_id: Annotated[str, Form(max_length=128)] = "",
    other_delegate: Annotated[str, Form(max_length=128)] = "",
    employee_id: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    values = {"starts_on": starts_on, "ends_on": ends_on, "delegate_id": delegate_id,
              "other_delegate": other_delegate, "employee_id": employee_id}  # fmt: skip
    problems: dict[str, str] = {}
    days: dict[str, date] = {}
    for name, text in (("starts_on", starts_on), ("ends_on", ends_on)):
        try:
            days[name] = date.fromisoformat(text)
        except ValueError:
            problems[name] = "a date, like 2026-07-01"
    whose = employee_id.strip() or caller.employee_id
    delegate = other_delegate.strip() or delegate_id.strip() or None
    if not problems:
        try:
            access.require_absence_keeper(caller, roster, whose)
            await run_in_threadpool(
                lambda: application.record_absence(
                    employee_id=whose,
                    starts_on=days["starts_on"],
                    ends_on=days["ends_on"],
                    delegate_id=delegate,
                    actor=caller.employee_id,
                    at=now,
                )
            )
        except errors.InvalidCommand as refused:
            field = "other_delegate" if refused.field == "delegate_id" and other_delegate else ""
            problems[field or refused.field] = refused.reason
        except errors.DomainError as refused:
            problems["employee_id" if employee_id else ""] = str(refused)
    if problems:
        return _page(request, caller, roster, now, 422, values=values, problems=problems)
    return RedirectResponse("/absences?done=1", status_code=303)


@router.post("/absences/{number}/end")
async def end_absence(
    request: Request,
    number: int,
    caller: PageCaller,
    roster: RosterDep,
    application: App,
    now: Now,
    _: CsrfChecked,
) -> Response:
    absence = roster.absences.get(number)
    if absence is None or absence.employee_id != caller.employee_id:
        return refused(request, caller, roster, now, errors.NotFound("absence", number))
    await run_in_threadpool(
        lambda: application.end_absence(number, actor=caller.employee_id, at=now)
    )
    return RedirectResponse("/absences?done=1", status_code=303)
