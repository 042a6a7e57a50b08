"""HR reports: plain SQL over the read models' views (never over the event store).

Each report takes a scope — None for everything, else the employee ids the caller
may see — and returns plain rows (dicts), so the API can render JSON or CSV.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Float,
    Integer,
    Numeric,
    Text,
    and_,
    any_,
    bindparam,
    extract,
    func,
    literal,
    select,
)

from projections.action_item_status import action_items
from projections.case_status import case_status
from projections.commitment_ledger import commitment_ledger
from projections.roster_people import roster_people

Scope = Collection[str] | None
Row = dict[str, Any]
NO_DEPARTMENT = "(not on the roster)"

department = func.coalesce(roster_people.c.department, literal(NO_DEPARTMENT)).label("department")
_with_roster = case_status.outerjoin(
    roster_people, roster_people.c.employee_id == case_status.c.employee_id
)


def in_scope(column: ColumnElement[str], scope: Scope) -> ColumnElement[bool]:
    """One array parameter however large the scope (``IN`` would send one per employee,
    and PostgreSQL takes at most 65,535 parameters a statement)."""
    if scope is None:
        return literal(True)
    return column == any_(bindparam("scope", sorted(scope), type_=ARRAY(Text)))


def rows_of(conn: Connection, query: Any) -> list[Row]:
    """Fetched at once, each row zipped with the names (row by row through ``mappings()``
    the fetching cost more than the query over 12,500 managers)."""
    result = conn.execute(query)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result.all()]


def funnel(conn: Connection, cycle_id: UUID, scope: Scope) -> list[Row]:
    """Cases per phase per department."""
    return _funnel_of(_department_phases(conn, cycle_id, scope))


def funnel_and_on_time(
    conn: Connection, cycle_id: UUID, scope: Scope
) -> tuple[list[Row], list[Row]]:
    """Both reports from one pass over the cycle's cases (a dashboard shows both)."""
    groups = _department_phases(conn, cycle_id, scope)
    return _funnel_of(groups), _on_time_of(groups)


ON_TIME_COUNTS = (
    "cases", "plans_submitted", "plans_on_time", "plans_approved", "approvals_within_sla",
    "check_ins_held", "check_ins_missed",
)  # fmt: skip


def _department_phases(conn: Connection, cycle_id: UUID, scope: Scope) -> list[Row]:
    """The cycle's cases per department and phase, with every count the funnel and the
    on-time rates are made of (each a sum over these groups)."""
    c = case_status.c
    query = (
        select(
            department,
            c.phase,
            func.count().label("cases"),
            func.count(c.plan_submitted_at).label("plans_submitted"),
            func.count().filter(c.plan_late.is_(False)).label("plans_on_time"),
            func.count(c.approved_at).label("plans_approved"),
            func.count().filter(c.approval_late.is_(False)).label("approvals_within_sla"),
            _total(c.check_ins_held).label("check_ins_held"),
            _total(c.check_ins_missed).label("check_ins_missed"),
        )
        .select_from(_with_roster)
        .where(c.cycle_id == cycle_id, in_scope(c.employee_id, scope))
        .group_by(department, c.phase)
        .order_by(department, c.phase)
    )
    return rows_of(conn, query)


def _funnel_of(groups: list[Row]) -> list[Row]:
    return [
        {"department": g["department"], "phase": g["phase"], "cases": g["cases"]} for g in groups
    ]


def _on_time_of(groups: list[Row]) -> list[Row]:
    """Per department (in order), then all; with the rates."""
    totals: dict[str, Row] = {}
    for group in groups:  # ordered by department
        row = totals.setdefault(group["department"], dict.fromkeys(ON_TIME_COUNTS, 0))
        for key in ON_TIME_COUNTS:
            row[key] += int(group[key])
    rows = [{"department": name, **counts} for name, counts in totals.items()]
    if rows:
        rows.append({"department": "(all)", **{k: sum(r[k] for r in rows) for k in ON_TIME_COUNTS}})
    for row in rows:
        row["plan_on_time_rate"] = _ratio(row["plans_on_time"], row["plans_submitted"])
        row["approval_within_sla_rate"] = _ratio(row["approvals_within_sla"], row["plans_approved"])
        row["check_in_held_rate"] = _ratio(
            row["check_ins_held"], row["check_ins_held"] + row["check_ins_missed"]
        )
    return rows


def overdue_action_items(
    conn: Connection,
    now: datetime,
    scope: Scope,
    *,
    cycle_id: UUID | None = None,
    department_name: str | None = None,
    manager_id: str | None = None,
    rung: int | None = None,
) -> list[Row]:
    """Open action items past their due time, most overdue first."""
    days = func.greatest(
        func.floor(extract("epoch", literal(now) - action_items.c.overdue_since) / 86400), 0
    ).cast(Float)
    filters = [
        action_items.c.status == "open",
        action_items.c.overdue_since.is_not(None),
        in_scope(action_items.c.employee_id, scope),
    ]
    if cycle_id is not None:
        filters.append(action_items.c.cycle_id == cycle_id)
    if department_name is not None:
        filters.append(department == department_name)
    if manager_id is not None:
        filters.append(case_status.c.manager_id == manager_id)
    if rung is not None:
        filters.append(action_items.c.escalation_rung == rung)
    query = (
        select(
            action_items.c.item_id,
            action_items.c.title,
            action_items.c.owner_id,
            action_items.c.employee_id,
            case_status.c.manager_id,
            department,
            action_items.c.due_at,
            action_items.c.overdue_since,
            days.label("days_overdue"),
            action_items.c.escalation_rung,
        )
        .select_from(
            action_items.join(
                case_status, case_status.c.case_id == action_items.c.case_id
            ).outerjoin(roster_people, roster_people.c.employee_id == action_items.c.employee_id)
        )
        .where(and_(*filters))
        .order_by(action_items.c.overdue_since, action_items.c.item_id)
    )
    rows = rows_of(conn, query)
    for row in rows:
        row["days_overdue"] = int(row["days_overdue"])
    return rows


def _ratio(part: Any, whole: Any) -> float | None:
    return None if not whole else round(part / whole, 3)


def on_time(conn: Connection, cycle_id: UUID, scope: Scope) -> list[Row]:
    """Per department, then all: plans within their deadline, approvals within SLA, check-ins."""
    return _on_time_of(_department_phases(conn, cycle_id, scope))


def managers(conn: Connection, cycle_id: UUID, scope: Scope) -> list[Row]:
    """Per manager: how fast they answer meeting requests and approve plans, and check-ins.

    Every value comes out of PostgreSQL as it is returned (hours rounded, sums as
    integers): at 100,000 cases there are some 12,500 managers, and converting their
    rows in Python took as long as the query.
    """
    query, m = _named(_per_manager(cycle_id, scope))
    return rows_of(conn, query.order_by(m.manager_id))


def slowest_managers(
    conn: Connection, cycle_id: UUID, scope: Scope, limit: int
) -> tuple[list[Row], int]:
    """The ``limit`` managers with the most late answers and approvals (then the slowest
    to answer), and how many managers there are: what a dashboard shows, sorted and cut
    by PostgreSQL rather than by fetching every manager."""
    query, m = _named(_per_manager(cycle_id, scope))
    query = (
        query.add_columns(func.count().over().label("managers_total"))
        .order_by(
            (m.answers_late + m.approvals_late).desc(),
            func.coalesce(m.median_hours_to_answer, 0).desc(),
            m.manager_id,
        )
        .limit(limit)
    )
    rows = rows_of(conn, query)
    total = int(rows[0]["managers_total"]) if rows else 0
    for row in rows:
        del row["managers_total"]
    return rows, total


def _per_manager(cycle_id: UUID, scope: Scope) -> Any:
    c = case_status.c
    hours_to_answer = extract("epoch", c.meeting_answered_at - c.meeting_requested_at) / 3600
    hours_to_approve = extract("epoch", c.approved_at - c.plan_submitted_at) / 3600
    return (
        select(
            c.manager_id,
            func.count().label("cases"),
            func.count(c.meeting_answered_at).label("requests_answered"),
            func.count().filter(c.meeting_answer_late.is_(True)).label("answers_late"),
            _median_hours(hours_to_answer).label("median_hours_to_answer"),
            func.count(c.approved_at).label("plans_approved"),
            func.count().filter(c.approval_late.is_(True)).label("approvals_late"),
            _median_hours(hours_to_approve).label("median_hours_to_approve"),
            _total(c.check_ins_held).label("check_ins_held"),
            _total(c.check_ins_missed).label("check_ins_missed"),
        )
        .where(c.cycle_id == cycle_id, in_scope(c.employee_id, scope))
        .group_by(c.manager_id)
        .subquery("per_manager")
    )


def _named(per_manager: Any) -> tuple[Any, Any]:
    """The manager groups with their names (joined to the groups, not to every case)."""
    m = per_manager.c
    query = (
        select(m.manager_id, roster_people.c.name.label("manager_name"),
               *(column for column in m if column.name != "manager_id"))
        .select_from(per_manager.outerjoin(
            roster_people, roster_people.c.employee_id == m.manager_id))
    )  # fmt: skip
    return query, m


def _median_hours(hours: ColumnElement[Any]) -> ColumnElement[float]:
    """The median, rounded to hundredths of an hour, as a float (None without values)."""
    median = func.percentile_cont(0.5).within_group(hours)
    return func.round(median.cast(Numeric), 2).cast(Float)


def _total(column: ColumnElement[Any]) -> ColumnElement[int]:
    return func.coalesce(func.sum(column), 0).cast(Integer)


def commitments(
    conn: Connection,
    scope: Scope,
    *,
    employee_id: str | None = None,
    cycle_id: UUID | None = None,
    limit: int = 1000,
) -> list[Row]:
    """The commitment ledger, oldest first (optionally of one employee, or one cycle)."""
    t = commitment_ledger.c
    filters = [in_scope(t.employee_id, scope)]
    if employee_id is not None:
        filters.append(t.employee_id == employee_id)
    if cycle_id is not None:
        in_cycle = select(case_status.c.case_id).where(case_status.c.cycle_id == cycle_id)
        filters.append(t.case_id.in_(in_cycle))
    query = (
        select(
            t.occurred_at,
            t.actor,
            t.employee_id,
            t.case_id,
            t.commitment,
            t.subject,
            t.change,
            t.details,
            t.reason,
        )
        .where(and_(*filters))
        .order_by(t.position, t.seq)
        .limit(limit)
    )
    return rows_of(conn, query)


def phase_counts(conn: Connection, cycle_id: UUID) -> dict[str, int]:
    """Cases per phase in one cycle (what ``cycle status`` shows), from the read model."""
    query = (
        select(case_status.c.phase, func.count().label("cases"))
        .where(case_status.c.cycle_id == cycle_id)
        .group_by(case_status.c.phase)
        .order_by(case_status.c.phase)
    )
    return {row.phase: int(row.cases) for row in conn.execute(query)}
