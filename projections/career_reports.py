"""Career framework reports: skills gaps, readiness and demand — plain SQL over the
read models, scoped like the other reports (None: everything, else employee ids).

A case counts once it has a target (``career_positions``); its department is the
roster's now, as in the other reports.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Integer, cast, func, select

from projections.career_growth import career_positions, competency_ratings, position_moves
from projections.case_status import case_status
from projections.report_queries import Row, Scope, department, in_scope, rows_of
from projections.roster_people import roster_people

_targeted = career_positions.join(
    case_status, case_status.c.case_id == career_positions.c.case_id
).outerjoin(roster_people, roster_people.c.employee_id == case_status.c.employee_id)


def _of_cycle(cycle_id: UUID, scope: Scope) -> Any:
    return (
        case_status.c.cycle_id == cycle_id,
        in_scope(case_status.c.employee_id, scope),
        career_positions.c.target_track.is_not(None),
    )


def skills_gaps(conn: Connection, cycle_id: UUID, scope: Scope) -> list[Row]:
    """Department by competency: how many people have that competency in their gap."""
    gap = func.unnest(career_positions.c.gaps).label("competency")
    inner = select(department, gap).select_from(_targeted).where(*_of_cycle(cycle_id, scope))
    gaps = inner.subquery()
    query = (
        select(gaps.c.department, gaps.c.competency, func.count().label("people"))
        .group_by(gaps.c.department, gaps.c.competency)
        .order_by(gaps.c.department, gaps.c.competency)
    )
    return rows_of(conn, query)


def _by_target(cycle_id: UUID, scope: Scope, *keys: Any) -> Any:
    c = career_positions.c
    return (
        select(
            *keys,
            c.target_track,
            c.target_level,
            func.count().label("aiming"),
            func.sum(cast(c.ready, Integer)).label("ready"),
        )
        .select_from(_targeted)
        .where(*_of_cycle(cycle_id, scope))
        .group_by(*keys, c.target_track, c.target_level)
        .order_by(*keys, c.target_track, c.target_level)
    )


def readiness(conn: Connection, cycle_id: UUID, scope: Scope) -> list[Row]:
    """Per department and target: how many aim at it, and how many are ready (their
    manager rates them at or above every expectation of the target)."""
    return rows_of(conn, _by_target(cycle_id, scope, department))


def demand(conn: Connection, cycle_id: UUID, scope: Scope) -> list[Row]:
    """Per track and level: how many people aim at it (and how many are ready)."""
    return rows_of(conn, _by_target(cycle_id, scope))


def ratings_of(conn: Connection, employee_id: str) -> list[Row]:
    """Every cycle's newest ratings of one person, by either rater, oldest cycle first."""
    r = competency_ratings.c
    query = (
        select(
            r.competency,
            case_status.c.cycle_id,
            r.rater,
            r.rating,
            r.track,
            r.level,
            r.rated_at,
        )
        .select_from(competency_ratings.join(case_status, case_status.c.case_id == r.case_id))
        .where(case_status.c.employee_id == employee_id)
        .order_by(r.competency, case_status.c.opened_at, r.rater)
    )
    return rows_of(conn, query)


def moves_of(conn: Connection, employee_id: str) -> list[Row]:
    """The tracks and levels roster imports gave one person, oldest first."""
    m = position_moves.c
    query = (
        select(m.at, m.track, m.level)
        .where(m.employee_id == employee_id)
        .order_by(m.position)
        .limit(1000)
    )
    return rows_of(conn, query)
