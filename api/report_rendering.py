"""Rendering a report from the read models: JSON or CSV, within the caller's scope.

Shared by the report routes and the dashboard's downloads, so both answer alike.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi.responses import JSONResponse, Response
from pydantic_core import to_jsonable_python
from sqlalchemy import Connection

from api.deps import Services
from api.limits import spreadsheet_safe
from projections import career_reports, report_queries
from projections.report_queries import Scope


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
    (
        "skills-gaps",
        career_reports.skills_gaps,
        "Skills-gap heatmap: per department and competency, how many people have it in their gap",
    ),
    (
        "readiness",
        career_reports.readiness,
        "Per department and target level: how many aim at it, how many their manager rates ready",
    ),
    ("demand", career_reports.demand, "Per track and level: how many people aim at it"),
)
"""The reports of one cycle, each as ``GET /reports/cycles/{cycle_id}/<name>``."""
