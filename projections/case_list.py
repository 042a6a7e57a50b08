"""HR's case list: every case of a cycle with its people, phase, next deadline and lateness.

Plain SQL over the tasks read model's ``task_cases`` (one row per case, indexed by
cycle and next deadline, phase or manager) and the roster's names and departments;
filtered, sorted by an allow-listed column and paged in the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import Connection, and_, extract, func, literal, select

from projections.report_queries import NO_DEPARTMENT, Row, Scope, in_scope
from projections.roster_people import roster_people
from projections.tasks import task_cases

Sort = Literal[
    "next_due_at", "-next_due_at", "employee", "-employee", "manager", "-manager",
    "department", "-department", "phase", "-phase", "opened_at", "-opened_at",
]  # fmt: skip

employee = roster_people.alias("employee")
manager = roster_people.alias("manager")
department = func.coalesce(employee.c.department, literal(NO_DEPARTMENT))
SORT_COLUMNS: dict[str, Any] = {
    "next_due_at": task_cases.c.next_due_at,
    "employee": func.coalesce(employee.c.name, task_cases.c.employee_id),
    "manager": func.coalesce(manager.c.name, task_cases.c.manager_id),
    "department": department,
    "phase": task_cases.c.phase,
    "opened_at": task_cases.c.opened_at,
}


def cases(
    conn: Connection,
    cycle_id: UUID,
    scope: Scope,
    now: datetime,
    *,
    phase: str | None = None,
    department_name: str | None = None,
    manager_id: str | None = None,
    late_only: bool = False,
    sort: Sort = "next_due_at",
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Row]]:
    """(how many match, one page of them)."""
    c = task_cases.c
    filters = [c.cycle_id == cycle_id, in_scope(c.employee_id, scope)]
    if phase is not None:
        filters.append(c.phase == phase)
    if department_name is not None:
        filters.append(department == department_name)
    if manager_id is not None:
        filters.append(c.manager_id == manager_id)
    if late_only:
        filters.append(c.next_due_at < now)
    joined = task_cases.outerjoin(employee, employee.c.employee_id == c.employee_id).outerjoin(
        manager, manager.c.employee_id == c.manager_id
    )
    where = and_(*filters)
    total = conn.execute(select(func.count()).select_from(joined).where(where)).scalar_one()
    column = SORT_COLUMNS[sort.removeprefix("-")]
    order = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    late = func.greatest(extract("epoch", literal(now) - c.next_due_at), 0)
    query = (
        select(
            c.case_id,
            c.employee_id,
            employee.c.name.label("employee_name"),
            c.manager_id,
            manager.c.name.label("manager_name"),
            department.label("department"),
            c.phase,
            c.next_step,
            c.next_due_at,
            late.label("late_by_seconds"),
            c.opened_at,
        )
        .select_from(joined)
        .where(where)
        .order_by(order, c.case_id)
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        seconds = row["late_by_seconds"]
        row["late_by_seconds"] = 0 if seconds is None else int(seconds)
    return int(total), rows
