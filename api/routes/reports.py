"""HR reports from the read models, as JSON or CSV (``?format=csv``).

The same access rules as everywhere: HR admins and auditors see everything, an HR
partner their departments, a manager their whole organisation; anyone else has no
reports to see (403). Read models follow the log, so a report may trail the latest
command by the projector's lag.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import Connection

from api.access import report_scope
from api.deps import CurrentUser, RosterDep, ServicesDep
from api.problems import PROBLEM_RESPONSES
from api.report_rendering import CYCLE_REPORTS, CycleReport, Report
from domain.phases import Phase
from projections import case_list, report_queries

router = APIRouter(prefix="/reports", tags=["reports"], responses=PROBLEM_RESPONSES)

Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "rows as JSON, or as CSV with a header line",
        "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
    }
}


def _report(
    caller: CurrentUser, roster: RosterDep, services: ServicesDep, format: Format = "json"
) -> Report:
    return Report(report_scope(caller, roster), services, format)


ReportDep = Annotated[Report, Depends(_report)]


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
