"""The pages everyone uses: tasks, inbox, a case with the step forms it calls for, history.

Steps are taken by posting a step form (built from the steps' records): the form becomes the same
command object the API takes, runs through the same ``CommandRunner`` (access check, roster
check, ``CareerFlow.execute``), and a refusal comes back on the page, next to the
field it names. Nothing here decides who may do what.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api import access
from api.auth import Caller
from api.case_reading import AsOf, CaseOpening, read_history
from api.command_runner import CommandRunner
from api.deps import App, Now, RosterDep, ServicesDep
from api.pages.forms import (
    StepForm,
    changed_entries,
    field_name,
    payload,
    people_out_of_reach,
    shaped,
    step_forms,
    task_forms,
    with_framework,
    with_goals,
)
from api.pages.people_picker import choices, reachable
from api.pages.render import page as _page
from api.pages.render import refused, zone_of
from api.pages.session import CsrfChecked, PageCaller
from api.schemas.career_public import CareerPublic
from api.schemas.history_public import CaseHistory
from api.schemas.note_public import notes_for
from api.sealed_reads import Reason
from domain import errors, step_catalog
from domain.case import DevelopmentCase
from domain.commands import GivePeerFeedback, may_take
from domain.framework_step import FrameworkTerms
from domain.item_commands import CompleteActionItem
from domain.phases import TIMELINE, timeline_position
from domain.step_records import Task, task_wording
from projections.tasks import task_cases, tasks_of

router = APIRouter(include_in_schema=False)

# --- everyone -----------------------------------------------------------------------------


@router.get("/tasks")
def my_tasks(
    request: Request, caller: PageCaller, services: ServicesDep, roster: RosterDep, now: Now
) -> HTMLResponse:
    with services.read_engine.connect() as conn:
        total, rows = tasks_of(conn, caller.employee_id, 200, 0, covering=caller.covers)
    for row in rows:
        owner = row["person_id"]
        row["for_name"] = None if owner == caller.employee_id else _name(roster, owner)
        row["what"] = task_wording(row["task"], step_catalog.task_rules())
        row["late_by"] = (now - row["due_at"]).total_seconds() if row["due_at"] else 0
    return _page(request, "tasks.html", caller, roster, now, tasks=rows, total=total)


@router.get("/inbox")
def my_inbox(
    request: Request,
    caller: PageCaller,
    services: ServicesDep,
    roster: RosterDep,
    now: Now,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    from notifications.inbox import messages_for, unread_count

    engine = services.read_engine
    messages = messages_for(engine, caller.employee_id, 50, offset=offset)
    unread = unread_count(engine, caller.employee_id)
    return _page(
        request, "inbox.html", caller, roster, now, messages=messages, unread=unread, offset=offset
    )


@router.get("/reads")
def my_reads(
    request: Request,
    caller: PageCaller,
    services: ServicesDep,
    roster: RosterDep,
    now: Now,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """Who opened the caller's confidential content, when, what and why."""
    reads = services.reads.of_person(caller.employee_id, READS_PAGE, before)
    readers = {r.reader_id: _name(roster, r.reader_id) for r in reads}
    older = reads[-1].id if len(reads) == READS_PAGE else None
    return _page(
        request, "reads.html", caller, roster, now, reads=reads, readers=readers, older=older
    )


READS_PAGE = 50


@router.post("/inbox/read-all")
def inbox_read_all(
    caller: PageCaller, services: ServicesDep, now: Now, _: CsrfChecked
) -> RedirectResponse:
    from notifications.inbox import mark_read

    mark_read(services.read_engine, caller.employee_id, now)
    return RedirectResponse("/inbox", status_code=303)


@router.get("/my-case")
def my_case(caller: PageCaller, application: App) -> RedirectResponse:
    for cycle in reversed(application.list_cycles()):
        if cycle.is_open and caller.employee_id in cycle.enrolled_set:
            return RedirectResponse(
                f"/cases/{application.case_for(cycle.id, caller.employee_id).id}", status_code=303
            )
    return RedirectResponse("/tasks", status_code=303)


# --- a case --------------------------------------------------------------------------------


def _timeline(case: DevelopmentCase) -> list[dict[str, Any]]:
    current = timeline_position(case.phase)
    return [
        {"label": label, "state": "done" if i < current else "current" if i == current else "next"}
        for i, (_, label) in enumerate(TIMELINE)
    ]


def _forms_for(
    case: DevelopmentCase,
    viewer: str,
    tasks: list[dict[str, Any]],
    peer_only: bool,
    terms: FrameworkTerms | None = None,
    posted: Mapping[str, Any] | None = None,
    people: tuple[tuple[str, str], ...] = (),
) -> list[StepForm]:
    """The step forms the viewer's open tasks call for, and those their records offer in
    the case's phase to whoever may take them (draft goals before the meeting, ...)."""
    forms, by_task = step_forms(), task_forms()
    if peer_only:
        answered = case.peer_feedback.get(viewer) is not None
        return [] if answered else [forms[GivePeerFeedback.step.path or ""]]
    paths: list[str] = []
    for task in tasks:
        paths += [p for p in by_task.get(task["task"], []) if p not in paths]
    for path, form in forms.items():
        offered = form.command.step.offered_in
        if case.phase in offered and may_take(case, form.command, viewer) and path not in paths:
            paths.append(path)
    approved = case.approved_plan
    goals = [(g.goal_id, g.specific) for g in approved.plan.goals] if approved else []
    posted = posted or {}
    values = posted.get("values", {})
    shown = [
        with_goals(shaped(forms[p], values if posted.get("form") == p else {}, people), goals)
        for p in paths
    ]
    if terms is None:
        return shown
    framed = (_framed(form, case, terms) for form in shown)
    return [form for form in framed if form is not None]


def _framed(form: StepForm, case: DevelopmentCase, terms: FrameworkTerms) -> StepForm | None:
    """The form with the case's framework fields filled in (``with_framework``)."""
    assessed = case.self_assessment
    achievements = [a.situation[:60] for a in assessed.achievements] if assessed else []
    return with_framework(form, terms, achievements)


def case_page(
    request: Request,
    caller: Caller,
    application: Any,
    roster: Any,
    services: Any,
    now: datetime,
    case_id: UUID,
    errors_for: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The case as its viewer may see it; a coworker asked for feedback sees only that form."""
    try:
        case = application.get_case(case_id)
        peer_only = caller.employee_id in case.peer_feedback and not access.can_see_case(
            caller, roster, case
        )
        if not peer_only:
            access.require_case_reader(caller, roster, case)
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    with services.read_engine.connect() as conn:
        _, mine = tasks_of(
            conn, caller.employee_id, 500, 0, case_id=case_id, covering=caller.covers
        )
        open_rows = (
            conn.execute(task_cases.select().where(task_cases.c.case_id == case_id))
            .mappings()
            .first()
        )
    here = [t for t in mine if t["task"] != Task.ESCALATION.value]
    terms = None if peer_only else application.framework_terms(case)
    acting = caller.employee_id if peer_only else access.acting_as(caller, case)
    people = choices(roster, caller.employee_id)
    forms = _forms_for(case, acting, here, peer_only, terms, errors_for, people)
    notice = case.policy.meeting_notice
    employee = roster.get(case.employee_id)
    manager = roster.get(case.manager_id)
    return _page(
        request,
        "case.html",
        caller,
        roster,
        now,
        status_code,
        case=case,
        peer_only=peer_only,
        timeline=_timeline(case),
        tasks=here,
        acting_for=None if acting == caller.employee_id else _name(roster, acting),
        forms=forms,
        errors_for=errors_for or {},
        earliest_meeting=now + notice,
        employee=employee.name if employee else case.employee_id,
        manager=manager.name if manager else case.manager_id,
        next_due=open_rows["next_due_at"] if open_rows else None,
        cycle=application.get_cycle(case.cycle_id),
        plan_versions=case.plans,
        notes=[] if peer_only else notes_for(caller, case),
        career=None if peer_only else CareerPublic.of(case, application.get_framework_book()),
        position=None if terms is None else terms.position,
        authors={n.author_id: _name(roster, n.author_id) for n in case.notes},
        earliest_meeting_input=(now + notice)
        .astimezone(zone_of(roster, caller))
        .strftime("%Y-%m-%dT%H:%M"),
    )


async def _page_opening(
    caller: PageCaller, roster: RosterDep, services: ServicesDep, now: Now, reason: Reason = None
) -> CaseOpening:
    return CaseOpening(caller, roster, services.reads, now, reason)


PageOpening = Annotated[CaseOpening, Depends(_page_opening)]
"""Who opens a case page, and why (the sealed read's facts)."""


@router.get("/cases/{case_id}")
def case_view(
    request: Request,
    case_id: UUID,
    application: App,
    services: ServicesDep,
    opening: PageOpening,
) -> HTMLResponse:
    """The case page; opened by anyone but its employee or manager, the read is recorded
    first (and a reason asked for where one is owed)."""
    caller, roster, now = opening.caller, opening.roster, opening.now
    try:
        case = application.get_case(case_id)
        if access.can_see_case(caller, roster, case):
            opening.open(case)
    except errors.InvalidCommand:
        return _reason_page(request, opening, case, as_of=None)
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    return case_page(request, caller, application, roster, services, now, case_id)


def _name(roster: Any, employee_id: str) -> str:
    person = roster.get(employee_id)
    return person.name if person else employee_id


def _reason_page(
    request: Request, opening: CaseOpening, case: DevelopmentCase, as_of: str | None
) -> HTMLResponse:
    """Asks an HR admin or auditor why they open a case outside their department."""
    o = opening
    employee = _name(o.roster, case.employee_id)
    return _page(request, "reason.html", o.caller, o.roster, o.now, employee=employee, as_of=as_of)


@router.post("/cases/{case_id}/steps/{path:path}")
async def take_step(
    request: Request,
    case_id: UUID,
    path: str,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    services: ServicesDep,
    now: Now,
    _: CsrfChecked,
) -> Response:
    form: StepForm | None = step_forms().get(path)
    if form is None:
        return refused(request, caller, roster, now, errors.NotFound("step", path))
    try:
        case = application.get_case(case_id)
    except errors.DomainError as missing:
        return refused(request, caller, roster, now, missing)
    posted = await request.form()
    values = {key: [str(v) for v in posted.getlist(key)] for key in posted}
    added, removed = (values.pop(k, [""])[-1] for k in ("_add", "_remove"))
    changed = changed_entries(values, added, removed)
    if changed is not None:  # add or remove an entry of a repeated part: nothing is sent
        shown = {"form": path, "fields": {}, "values": changed}
        return case_page(request, caller, application, roster, services, now, case_id, shown)
    form = shaped(form, values, ())
    form = _framed(form, case, application.framework_terms(case)) or form
    body = payload(form, values, zone_of(roster, caller))
    problems = people_out_of_reach(form, values, reachable(roster, caller.employee_id))
    try:
        command = form.command.model_validate(body)
        if not problems:
            CommandRunner(caller, application, roster, now, None).execute(case_id, command)
    except ValidationError as invalid:
        for error in invalid.errors():
            problems.setdefault(field_name(error["loc"]), error["msg"])
    except errors.InvalidCommand as invalid:
        problems[invalid.field] = invalid.reason
    except (errors.NotPermitted, errors.NotFound) as error:
        return refused(request, caller, roster, now, error)
    except errors.DomainError as error:
        problems[""] = str(error)
    if problems:
        errors_for = {"form": path, "fields": problems, "values": values}
        return case_page(
            request, caller, application, roster, services, now, case_id, errors_for, 422
        )
    return RedirectResponse(f"/cases/{case_id}?done={path}", status_code=303)


@router.post("/action-items/{item_id}/complete")
def complete_item(
    request: Request,
    item_id: UUID,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    now: Now,
    _: CsrfChecked,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """The owner marks an action item done (the same command and checks as the API)."""
    try:
        executed = CommandRunner(caller, application, roster, now, None).execute(
            item_id, CompleteActionItem(note=note)
        )
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    return RedirectResponse(f"/cases/{executed.case.id}?done=action-item", status_code=303)


@router.get("/action-items/{item_id}")
def item_view(item_id: UUID, caller: PageCaller, application: App) -> RedirectResponse:
    """Messages link to an item: its case page lists it (the case page checks access)."""
    item = application.get_action_item(item_id)
    return RedirectResponse(f"/cases/{item.case_id}", status_code=303)


@router.get("/cases/{case_id}/history")
def history_view(
    request: Request, case_id: UUID, application: App, opening: PageOpening, as_of: AsOf = None
) -> HTMLResponse:
    caller, roster, now = opening.caller, opening.roster, opening.now

    def history(as_of: str | None) -> CaseHistory:
        return read_history(application, opening, case_id, as_of)

    try:
        shown = history(as_of or None)
    except errors.InvalidCommand as invalid:
        if invalid.field == "reason":
            return _reason_page(request, opening, application.get_case(case_id), as_of)
        shown = history(None)
        return _page(
            request,
            "history.html",
            caller,
            roster,
            now,
            422,
            history=shown,
            error=invalid.reason,
            as_of=as_of,
        )
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    return _page(
        request, "history.html", caller, roster, now, history=shown, error=None, as_of=as_of
    )
