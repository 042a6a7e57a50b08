"""What managers, HR and auditors oversee: the team, cycles and their dashboards, exports,
the commitment ledger (on the reports' scope rules)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import access
from api.auth import Caller
from api.deps import App, Now, RosterDep, ServicesDep
from api.pages.dashboard import career_charts, cycle_numbers
from api.pages.render import page as _page
from api.pages.render import refused
from api.pages.session import PageCaller
from api.report_rendering import CYCLE_REPORTS, Report
from domain import errors
from domain.phases import Phase
from projections import case_list, report_queries

router = APIRouter(include_in_schema=False)

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
    positions = {
        e: f"{person.track} / {person.level}"
        for e in reports_of
        if (person := roster.get(e)) is not None and person.track
    }
    cycle = cycles[-1] if cycles else None
    return _page(
        request, "team.html", caller, roster, now, rows=rows, cycle=cycle, positions=positions
    )


# --- HR and auditors ------------------------------------------------------------------------


def _scope(caller: Caller, roster: Any) -> Any:

    return access.report_scope(caller, roster)


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
    managers, managers_total = numbers["managers"]
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
    career = career_charts(numbers)
    return _page(
        request,
        "cycle.html",
        caller,
        roster,
        now,
        career=career,
        cycle=cycle,
        by_department=by_department,
        widest=widest,
        phases=[p.value for p in Phase],
        on_time=on_time,
        managers=managers,
        managers_total=managers_total,
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
        return Report(scope, services, "csv").render(
            "commitments",
            lambda c: report_queries.commitments(
                c, scope, employee_id=who, cycle_id=cycle, limit=10_000
            ),
        )
    with services.read_engine.connect() as conn:
        rows = report_queries.commitments(conn, scope, employee_id=who, cycle_id=cycle, limit=500)
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
