"""HR reports from the read models, as JSON or CSV (``?format=csv``).

The same access rules as everywhere: HR admins and auditors see everything, an HR
partner their departments, a manager their whole organisation; anyone else has no
reports to see (403). Read models follow the log, so a report may trail the latest
command by the projector's lag.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic_core import to_jsonable_python
from sqlalchemy import Connection

from api.auth import Caller
from api.deps import CurrentUser, RosterDep, Services, ServicesDep
from api.limits import spreadsheet_safe
from api.problems import PROBLEM_RESPONSES
from domain import errors
from domain.phases import Phase
from domain.roster import Roster
from projections import case_list, report_queries
from projections.report_queries import Scope

router = APIRouter(prefix="/reports", tags=["reports"], responses=PROBLEM_RESPONSES)

Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "rows as JSON, or as CSV with a header line",
        "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
    }
}


def scope_for(caller: Caller, roster: Roster) -> Scope:
    """Everything, or the employees in the caller's organisation and departments."""
    if caller.sees_everything:
        return None
    visible = roster.overseen_by(caller.employee_id)
    if not visible:
        raise errors.NotPermitted(
            caller.employee_id, "see reports", "managers, HR partners, HR admins and auditors"
        )
    return visible


def _cell(value: Any) -> Any:
    """One CSV cell: JSON for structures, ISO times, empty for none, text never a formula."""
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, datetime):
        return value.isoformat()
    elif value is None:
        return ""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def _csv(rows: list[dict[str, Any]], name: str) -> Response:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@dataclass
class Report:
    """One report request: the caller's scope, where to read, and the format to answer in."""

    scope: Scope
    services: Services
    format: str

    def render(self, name: str, build: Callable[[Connection], list[dict[str, Any]]]) -> Response:
        with self.services.read_engine.connect() as conn:
            rows = build(conn)
        if self.format == "csv":
            return _csv(rows, name)
        return JSONResponse(to_jsonable_python(rows))


def _report(
    caller: CurrentUser, roster: RosterDep, services: ServicesDep, format: Format = "json"
) -> Report:
    return Report(scope_for(caller, roster), services, format)


ReportDep = Annotated[Report, Depends(_report)]

CycleReport = Callable[[Connection, UUID, Scope], list[dict[str, Any]]]


CYCLE_REPORTS: tuple[tuple[str, CycleReport, str], ...] = (
    ("funnel", report_queries.funnel, "Cases per phase per department"),
    (
        "on-time",
        report_queries.on_time,
        "Plans within their deadline, approvals within SLA, check-ins held (per department)",
    ),
    (
        "managers",
        report_queries.managers,
        "Per manager: time to answer meeting requests and approve plans, check-ins",
    ),
)
"""The reports of one cycle, each as ``GET /reports/cycles/{cycle_id}/<name>``."""


def _cycle_report(name: str, build: CycleReport, summary: str) -> None:
    def report_of_cycle(cycle_id: UUID, report: ReportDep) -> Response:
        return report.render(name, lambda c: build(c, cycle_id, report.scope))

    report_of_cycle.__name__ = name.replace("-", "_")
    router.get(
        f"/cycles/{{cycle_id}}/{name}",
        summary=summary,
        responses=REPORT_RESPONSES,
        name=report_of_cycle.__name__,
    )(report_of_cycle)


for _name, _build, _summary in CYCLE_REPORTS:
    _cycle_report(_name, _build, _summary)


@router.get(
    "/cycles/{cycle_id}/cases",
    summary="Every case of a cycle: people, phase, next deadline, lateness (filter, sort, page)",
    responses=REPORT_RESPONSES,
)
def cycle_cases(
    cycle_id: UUID,
    report: ReportDep,
    phase: Phase | None = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
    manager_id: Annotated[str | None, Query(max_length=128)] = None,
    late_only: Annotated[
        bool, Query(description="only cases whose next deadline has passed")
    ] = False,
    sort: Annotated[case_list.Sort, Query(description="a column; a leading - sorts descending")] = (
        "next_due_at"
    ),
    limit: Annotated[int, Query(ge=1, le=100_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """One page (``limit``, ``offset``); ``X-Total-Count`` says how many cases match."""
    now = report.services.clock()
    found: dict[str, int] = {}

    def build(conn: Connection) -> list[dict[str, Any]]:
        total, rows = case_list.cases(
            conn,
            cycle_id,
            report.scope,
            now,
            phase=None if phase is None else phase.value,
            department_name=department,
            manager_id=manager_id,
            late_only=late_only,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        found["total"] = total
        return rows

    response = report.render("cases", build)
    response.headers["X-Total-Count"] = str(found["total"])
    return response


@router.get(
    "/overdue-action-items",
    summary="Open action items past due (filter by cycle, department, manager, rung)",
    responses=REPORT_RESPONSES,
)
def overdue_action_items(
    report: ReportDep,
    cycle_id: UUID | None = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
    manager_id: Annotated[str | None, Query(max_length=128)] = None,
    rung: Annotated[
        int | None, Query(ge=0, le=3, description="0 none, 1 manager, 2 skip-level, 3 HR")
    ] = None,
) -> Response:
    now = report.services.clock()
    return report.render(
        "overdue-action-items",
        lambda c: report_queries.overdue_action_items(
            c,
            now,
            report.scope,
            cycle_id=cycle_id,
            department_name=department,
            manager_id=manager_id,
            rung=rung,
        ),
    )


@router.get(
    "/commitments",
    summary="The commitment ledger: every action item and goal change (who, when, what, why)",
    responses=REPORT_RESPONSES,
)
def commitments(
    report: ReportDep,
    employee_id: Annotated[str | None, Query(max_length=128)] = None,
    cycle_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    return report.render(
        "commitments",
        lambda c: report_queries.commitments(
            c, report.scope, employee_id=employee_id, cycle_id=cycle_id, limit=limit
        ),
    )
