"""The pages: each role's screens, on the API's access rules and the same read models.

Steps are taken by posting a step form (``forms.FORMS``): the form becomes the same
command object the API takes, runs through the same ``Step`` (access check, roster
check, ``CareerFlow.execute``), and a refusal comes back on the page, next to the
field it names. Nothing here decides who may do what.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api import access
from api.auth import RESERVED_PREFIX, Caller, Role
from api.deps import App, Now, RosterDep, ServicesDep
from api.pages.dashboard import cycle_numbers
from api.pages.forms import FORMS, StepForm, field_name, payload, with_goals
from api.pages.oidc import SignInFailed
from api.pages.render import render, zone_of
from api.pages.session import CsrfChecked, PageCaller, sign_in, sign_out
from api.routes.cases import case_history
from api.steps import Step
from domain import errors
from domain.case import DevelopmentCase
from domain.commands import CompleteActionItem
from domain.phases import BEFORE_MEETING, Phase
from domain.tasks import WHAT, Task
from projections import case_list, reports
from projections.tasks import task_cases, tasks_of

router = APIRouter(include_in_schema=False)

MANAGERS_SHOWN = 20
"""The dashboard lists the managers with the most late answers and approvals (all: CSV)."""

PROCESS = [
    (Phase.PREPARING, "Prepare"),
    (Phase.MEETING_REQUESTED, "Meeting requested"),
    (Phase.MEETING_SCHEDULED, "Meeting scheduled"),
    (Phase.MEETING_HELD, "Conversation held"),
    (Phase.PLAN_DRAFTED, "Plan drafted"),
    (Phase.PLAN_SUBMITTED, "Plan submitted"),
    (Phase.PLAN_APPROVED, "Plan approved, check-ins"),
    (Phase.CLOSED, "Closed"),
]
"""The process as a timeline (a declined request or requested changes step back)."""
STEP_BACK = {Phase.MEETING_DECLINED: 0, Phase.CHANGES_REQUESTED: 3}

TASK_FORMS: dict[Task, list[str]] = {
    Task.PREPARE: ["self-assessment", "goals", "peer-feedback-requests"],
    Task.REQUEST_MEETING: ["meeting/request"],
    Task.ANSWER_MEETING_REQUEST: ["meeting/accept", "meeting/reschedule", "meeting/decline"],
    Task.SHARE_AGENDA: ["agenda"],
    Task.HOLD_MEETING: ["meeting/held", "meeting/reschedule"],
    Task.GIVE_FEEDBACK: ["feedback"],
    Task.SHARE_RECAP: ["recap"],
    Task.SUBMIT_PLAN: ["plan", "plan/submit"],
    Task.REVIEW_PLAN: ["plan/approve", "plan/request-changes"],
    Task.HOLD_CHECK_IN: ["check-ins"],
    Task.GIVE_PEER_FEEDBACK: ["peer-feedback"],
}
"""Which forms a task opens on the case page."""


def _page(
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
    request: Request, caller: Caller, roster: Any, now: datetime, error: errors.DomainError
) -> HTMLResponse:
    status = 404 if isinstance(error, errors.NotFound) else 403
    return _page(request, "refused.html", caller, roster, now, status, message=str(error))


# --- signing in --------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> RedirectResponse:
    signed_in = bool(request.session.get("employee_id"))
    return RedirectResponse("/tasks" if signed_in else "/sign-in", status_code=303)


@router.get("/sign-in")
async def sign_in_page(
    request: Request, services: ServicesDep, roster: RosterDep, now: Now
) -> Response:
    """Production: off to the identity provider. Embedded mode: pick a person from the
    roster (a development convenience)."""
    if services.oidc_sign_in is not None:
        callback = str(request.url_for("oidc_callback"))
        response: Response = await services.oidc_sign_in.start(request, callback)
        return response
    if not services.dev_sign_in:
        return _page(
            request,
            "refused.html",
            None,
            roster,
            now,
            404,
            message="Sign in through your company's identity provider.",
        )
    if "csrf" not in request.session:
        sign_in(request, "", frozenset())
        request.session.pop("employee_id")
    people = sorted(roster.people.values(), key=lambda p: p.name)
    return _page(request, "sign_in.html", None, roster, now, people=people, roles=list(Role))


@router.post("/sign-in")
def sign_in_post(
    request: Request,
    services: ServicesDep,
    roster: RosterDep,
    now: Now,
    _: CsrfChecked,
    employee_id: Annotated[str, Form(max_length=128)] = "",
    other_id: Annotated[str, Form(max_length=128)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    employee_id = other_id.strip() or employee_id
    if not services.dev_sign_in:
        return _page(request, "refused.html", None, roster, now, 404, message="Not here.")
    roles = frozenset({Role(role)}) if role in {r.value for r in Role} else frozenset()
    if not employee_id or employee_id.startswith(RESERVED_PREFIX):
        return _page(request, "refused.html", None, roster, now, 403, message="Not a person.")
    if employee_id not in roster.people and not roles:
        return _page(
            request,
            "refused.html",
            None,
            roster,
            now,
            403,
            message=f"{employee_id!r} is not on the roster.",
        )
    sign_in(request, employee_id, roles)
    return RedirectResponse("/tasks", status_code=303)


@router.get("/auth/callback", name="oidc_callback")
async def oidc_callback(
    request: Request, services: ServicesDep, roster: RosterDep, now: Now
) -> Response:
    """The identity provider sends the browser back here with a code: exchange it, sign in."""
    if services.oidc_sign_in is None:
        return _page(request, "refused.html", None, roster, now, 404, message="Not here.")
    try:
        caller = await services.oidc_sign_in.finish(request)
    except SignInFailed as failed:
        return _page(request, "refused.html", None, roster, now, 401,
                     message=f"Sign-in failed: {failed}")  # fmt: skip
    sign_in(request, caller.employee_id, caller.roles)
    return RedirectResponse("/tasks", status_code=303)


@router.post("/sign-out")
def sign_out_post(request: Request, _: CsrfChecked) -> RedirectResponse:
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)


# --- everyone -----------------------------------------------------------------------------


@router.get("/tasks")
def my_tasks(
    request: Request, caller: PageCaller, services: ServicesDep, roster: RosterDep, now: Now
) -> HTMLResponse:
    with services.read_engine.connect() as conn:
        total, rows = tasks_of(conn, caller.employee_id, 200, 0)
    for row in rows:
        row["what"] = WHAT[Task(row["task"])]
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
    current = STEP_BACK.get(case.phase)
    if current is None:
        current = next(i for i, (p, _) in enumerate(PROCESS) if p is case.phase)
    return [
        {"label": label, "state": "done" if i < current else "current" if i == current else "next"}
        for i, (_, label) in enumerate(PROCESS)
    ]


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
        _, mine = tasks_of(conn, caller.employee_id, 500, 0)
        open_rows = (
            conn.execute(task_cases.select().where(task_cases.c.case_id == case_id))
            .mappings()
            .first()
        )
    here = [t for t in mine if t["case_id"] == case_id and t["task"] != Task.ESCALATION.value]
    paths: list[str] = []
    for task in here:
        for path in TASK_FORMS.get(Task(task["task"]), []):
            if path not in paths:
                paths.append(path)
    if caller.employee_id == case.employee_id and case.phase in BEFORE_MEETING:
        paths += [p for p in ("goals", "peer-feedback-requests") if p not in paths]
    if peer_only:
        answered = case.peer_feedback.get(caller.employee_id) is not None
        paths = [] if answered else ["peer-feedback"]
    if case.phase is Phase.PLAN_APPROVED and caller.employee_id in (
        case.employee_id,
        case.manager_id,
    ):
        paths += ["goal-progress", "goals/readjust"]
    approved = next((v for v in reversed(case.plans) if v.status.value == "approved"), None)
    goals = [(g.goal_id, g.specific) for g in approved.plan.goals] if approved else []
    forms = [with_goals(FORMS[p], goals) for p in paths]
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
        forms=forms,
        errors_for=errors_for or {},
        earliest_meeting=now + notice,
        employee=employee.name if employee else case.employee_id,
        manager=manager.name if manager else case.manager_id,
        next_due=open_rows["next_due_at"] if open_rows else None,
        cycle=application.get_cycle(case.cycle_id),
        plan_versions=case.plans,
        earliest_meeting_input=(now + notice)
        .astimezone(zone_of(roster, caller))
        .strftime("%Y-%m-%dT%H:%M"),
    )


@router.get("/cases/{case_id}")
def case_view(
    request: Request,
    case_id: UUID,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    services: ServicesDep,
    now: Now,
) -> HTMLResponse:
    return case_page(request, caller, application, roster, services, now, case_id)


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
    form: StepForm | None = FORMS.get(path)
    if form is None:
        return refused(request, caller, roster, now, errors.NotFound("step", path))
    posted = await request.form()
    values = {key: [str(v) for v in posted.getlist(key)] for key in posted}
    body = payload(form, values, zone_of(roster, caller))
    problems: dict[str, str] = {}
    try:
        command = form.command.model_validate(body)
        Step(caller, application, roster, now, None).execute(case_id, command)
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
        executed = Step(caller, application, roster, now, None).execute(
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
    request: Request,
    case_id: UUID,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    now: Now,
    as_of: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    try:
        history = case_history(case_id, caller, application, roster, as_of or None)
    except errors.InvalidCommand as invalid:
        history = case_history(case_id, caller, application, roster, None)
        return _page(
            request,
            "history.html",
            caller,
            roster,
            now,
            422,
            history=history,
            error=invalid.reason,
            as_of=as_of,
        )
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    return _page(
        request, "history.html", caller, roster, now, history=history, error=None, as_of=as_of
    )


# --- managers -------------------------------------------------------------------------------


@router.get("/team")
def my_team(
    request: Request,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    services: ServicesDep,
    now: Now,
) -> HTMLResponse:
    reports_of = set(roster.direct_reports(caller.employee_id))
    cycles = [c for c in application.list_cycles() if c.is_open]
    rows: list[dict[str, Any]] = []
    if cycles and reports_of:
        with services.read_engine.connect() as conn:
            _, rows = case_list.cases(conn, cycles[-1].id, reports_of, now, limit=500)
    return _page(
        request, "team.html", caller, roster, now, rows=rows, cycle=cycles[-1] if cycles else None
    )


# --- HR and auditors ------------------------------------------------------------------------


def _scope(caller: Caller, roster: Any) -> Any:
    from api.routes.reports import scope_for

    return scope_for(caller, roster)


@router.get("/cycles")
def cycles_view(
    request: Request, caller: PageCaller, application: App, roster: RosterDep, now: Now
) -> HTMLResponse:
    try:
        _scope(caller, roster)
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    cycles = list(reversed(application.list_cycles()))
    return _page(request, "cycles.html", caller, roster, now, cycles=cycles)


@router.get("/cycles/{cycle_id}")
def cycle_dashboard(
    request: Request,
    cycle_id: UUID,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    services: ServicesDep,
    now: Now,
    phase: Annotated[Phase | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
    late_only: bool = False,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    try:
        scope = _scope(caller, roster)
        cycle = application.get_cycle(cycle_id)
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    numbers = cycle_numbers(services.read_engine, cycle_id, scope, now)
    funnel, on_time = numbers["funnel"], numbers["on_time"]
    overdue = numbers["overdue"]
    slowest = sorted(
        numbers["managers"],
        key=lambda m: (m["answers_late"] + m["approvals_late"], m["median_hours_to_answer"] or 0),
        reverse=True,
    )
    managers = slowest[:MANAGERS_SHOWN]
    with services.read_engine.connect() as conn:
        total, cases = case_list.cases(
            conn,
            cycle_id,
            scope,
            now,
            phase=phase.value if phase else None,
            department_name=department or None,
            late_only=late_only,
            limit=50,
            offset=offset,
        )
    by_department: dict[str, dict[str, int]] = {}
    for row in funnel:
        by_department.setdefault(row["department"], {})[row["phase"]] = int(row["cases"])
    widest = max((sum(p.values()) for p in by_department.values()), default=1)
    rungs: dict[int, int] = {}
    for item in overdue:
        rungs[item["escalation_rung"]] = rungs.get(item["escalation_rung"], 0) + 1
    return _page(
        request,
        "cycle.html",
        caller,
        roster,
        now,
        cycle=cycle,
        by_department=by_department,
        widest=widest,
        phases=[p.value for p in Phase],
        on_time=on_time,
        managers=managers,
        managers_total=len(slowest),
        rungs=rungs,
        cases=cases,
        total=total,
        offset=offset,
        filters={
            "phase": phase.value if phase else "",
            "department": department or "",
            "late_only": late_only,
        },
    )


@router.get("/cycles/{cycle_id}/export/{name}.csv")
def cycle_export(
    request: Request,
    cycle_id: UUID,
    name: str,
    caller: PageCaller,
    roster: RosterDep,
    services: ServicesDep,
    now: Now,
) -> Response:
    """A chart's numbers (or the case list) as CSV, for whoever may see the dashboard."""
    from api.routes.reports import CYCLE_REPORTS, Report

    builders: dict[str, Any] = {n: build for n, build, _ in CYCLE_REPORTS}
    try:
        scope = _scope(caller, roster)
        if name not in (*builders, "cases"):
            raise errors.NotFound("export", name)
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    report = Report(scope, services, "csv")
    if name == "cases":
        return report.render(
            name, lambda c: case_list.cases(c, cycle_id, scope, now, limit=100_000)[1]
        )
    return report.render(name, lambda c: builders[name](c, cycle_id, scope))


@router.get("/ledger")
def ledger(
    request: Request,
    caller: PageCaller,
    roster: RosterDep,
    services: ServicesDep,
    now: Now,
    application: App,
    employee_id: Annotated[str | None, Query(max_length=128)] = None,
    cycle_id: Annotated[str | None, Query(max_length=40)] = None,
    format: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The commitment ledger (first 500 entries; ``format=csv`` exports up to 10,000)."""
    try:
        scope = _scope(caller, roster)
        cycle = UUID(cycle_id) if cycle_id else None
    except ValueError:
        return refused(request, caller, roster, now, errors.NotFound("cycle", cycle_id))
    except errors.DomainError as error:
        return refused(request, caller, roster, now, error)
    who = employee_id or None
    if format == "csv":
        from api.routes.reports import Report

        return Report(scope, services, "csv").render(
            "commitments",
            lambda c: reports.commitments(c, scope, employee_id=who, cycle_id=cycle, limit=10_000),
        )
    with services.read_engine.connect() as conn:
        rows = reports.commitments(conn, scope, employee_id=who, cycle_id=cycle, limit=500)
    return _page(
        request,
        "ledger.html",
        caller,
        roster,
        now,
        rows=rows,
        employee_id=employee_id or "",
        cycle_id=cycle_id or "",
        cycles=application.list_cycles(),
    )
