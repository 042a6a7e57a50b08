"""A cycle dashboard's numbers: its aggregate reports, computed side by side, kept briefly.

Over a 100,000-case cycle each report is a grouped scan (40-70 ms); they run on
their own connections at once, and the result is kept for ``FRESH_FOR`` per cycle and
viewer scope, so a dashboard reloaded or opened by several HR people at once costs
one computation. The numbers may trail the read models by that long (the read models
themselves trail the log by the projector's lag). The case list below the charts is
not kept: it is paged and filtered, and cheap.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from projections import career_reports, report_queries
from projections.report_queries import Scope

FRESH_FOR = 15.0
"""Seconds a dashboard's numbers are reused."""
MANAGERS_SHOWN = 20
"""The dashboard lists the managers with the most late answers and approvals (all: CSV)."""
KEPT = 128
"""Dashboards kept at most (cycle x scope)."""

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dashboard")
_kept: OrderedDict[tuple[UUID, str], tuple[float, dict[str, Any]]] = OrderedDict()
_lock = threading.Lock()


def _scope_key(scope: Scope) -> str:
    if scope is None:
        return "*"
    return hashlib.sha256("\n".join(sorted(scope)).encode()).hexdigest()


def _compute(engine: Engine, cycle_id: UUID, scope: Scope, now: datetime) -> dict[str, Any]:
    def on_own_connection(build: Callable[[Any], Any]) -> Any:
        with engine.connect() as conn:
            return build(conn)

    jobs = {
        "funnel_and_on_time": lambda c: report_queries.funnel_and_on_time(c, cycle_id, scope),
        "managers": lambda c: report_queries.slowest_managers(c, cycle_id, scope, MANAGERS_SHOWN),
        "overdue": lambda c: report_queries.overdue_action_items(c, now, scope, cycle_id=cycle_id),
        "skills_gaps": lambda c: career_reports.skills_gaps(c, cycle_id, scope),
        "readiness": lambda c: career_reports.readiness(c, cycle_id, scope),
        "demand": lambda c: career_reports.demand(c, cycle_id, scope),
    }
    futures = {name: _pool.submit(on_own_connection, job) for name, job in jobs.items()}
    numbers = {name: future.result() for name, future in futures.items()}
    numbers["funnel"], numbers["on_time"] = numbers.pop("funnel_and_on_time")
    return numbers


def cycle_numbers(engine: Engine, cycle_id: UUID, scope: Scope, now: datetime) -> dict[str, Any]:
    """funnel, on_time, managers (the ``MANAGERS_SHOWN`` slowest, and how many there are),
    overdue and the career framework's rows for the dashboard (at most FRESH_FOR old)."""
    key = (cycle_id, _scope_key(scope))
    with _lock:
        found = _kept.get(key)
        if found is not None and time.monotonic() - found[0] < FRESH_FOR:
            _kept.move_to_end(key)
            return found[1]
    numbers = _compute(engine, cycle_id, scope, now)
    with _lock:
        _kept[key] = (time.monotonic(), numbers)
        _kept.move_to_end(key)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return numbers


def forget(cycle_id: UUID) -> None:
    """Drop a cycle's kept numbers (after HR opens or closes it)."""
    with _lock:
        for key in [k for k in _kept if k[0] == cycle_id]:
            del _kept[key]


def career_charts(numbers: dict[str, Any]) -> dict[str, Any]:
    """The career framework's rows shaped for the dashboard: the heatmap's grid
    (department by competency), readiness per target, demand per target."""
    departments = sorted({r["department"] for r in numbers["skills_gaps"]})
    competencies = sorted({r["competency"] for r in numbers["skills_gaps"]})
    cells = {(r["department"], r["competency"]): int(r["people"]) for r in numbers["skills_gaps"]}
    demand = [{**r, "ready": int(r["ready"] or 0)} for r in numbers["demand"]]
    return {
        "departments": departments,
        "competencies": competencies,
        "cells": cells,
        "hottest": max(cells.values(), default=1),
        "readiness": [{**r, "ready": int(r["ready"] or 0)} for r in numbers["readiness"]],
        "demand": demand,
        "most_aimed": max((int(r["aiming"]) for r in demand), default=1),
    }
