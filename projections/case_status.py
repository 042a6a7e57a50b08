"""Case status: one row per case with its phase, the date of every milestone and lateness.

Reports by employee, manager, department (joined from the roster read model) and
cycle read from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    update,
)

from domain import case_events as ev
from domain import subscriptions
from domain.case import DevelopmentCase
from domain.subscriptions import PHASE_AFTER
from eventlog.bulk_insert import insert_unnested
from eventlog.follower import Delivery
from projections.runner import ReadModel


def define_case_status(metadata: MetaData, name: str = "case_status") -> Table:
    return Table(
        name,
        metadata,
        Column("case_id", Uuid, primary_key=True),
        Column("cycle_id", Uuid, nullable=False, index=True),
        Column("employee_id", Text, nullable=False, index=True),
        Column("manager_id", Text, nullable=False, index=True),
        Column("skip_level_id", Text),
        Column("hr_partner_id", Text),
        Column("phase", Text, nullable=False),
        Column("opened_at", DateTime(timezone=True), nullable=False),
        Column("self_assessed_at", DateTime(timezone=True)),
        Column("meeting_requested_at", DateTime(timezone=True)),
        Column("meeting_answered_at", DateTime(timezone=True)),
        Column("meeting_answer_late", Boolean),
        Column("meeting_at", DateTime(timezone=True)),
        Column("held_at", DateTime(timezone=True)),
        Column("plan_submitted_at", DateTime(timezone=True)),
        Column("plan_late", Boolean),
        Column("approved_at", DateTime(timezone=True)),
        Column("approval_late", Boolean),
        Column("plan_version", Integer),
        Column("check_ins_held", Integer, nullable=False, default=0),
        Column("check_ins_missed", Integer, nullable=False, default=0),
        Column("closed_at", DateTime(timezone=True)),
        Column("outcome", Text),
        Column("position", Integer, nullable=False),
    )


Changes = Callable[[Any], dict[str, Any]]


C = DevelopmentCase


def changes_for(table: Table) -> dict[type, Changes]:
    """How each case event changes a row of ``table`` (a version of case_status).

    The phase is not here: it comes from the domain's ``PHASE_AFTER``.
    """
    return {
        ev.SelfAssessmentRecorded: lambda e: {"self_assessed_at": e.timestamp},
        ev.MeetingRequested: lambda e: {
            "meeting_requested_at": e.timestamp,
            "meeting_at": e.proposed_for,
            "meeting_answered_at": None,
        },
        ev.MeetingAccepted: lambda e: {
            "meeting_answered_at": e.timestamp,
            "meeting_answer_late": e.late,
        },
        ev.MeetingRescheduled: lambda e: {  # the manager proposing a time answers the request
            "meeting_at": e.new_time,
            "meeting_answered_at": func.coalesce(table.c.meeting_answered_at, e.timestamp),
        },
        ev.MeetingDeclined: lambda e: {
            "meeting_answered_at": e.timestamp,
            "meeting_answer_late": e.late,
            "meeting_at": None,
        },
        ev.MeetingHeld: lambda e: {"held_at": e.held_at},
        ev.PlanDrafted: lambda e: {"plan_version": e.version},
        ev.PlanSubmitted: lambda e: {
            "plan_submitted_at": e.timestamp,
            "plan_late": e.late,
            "plan_version": e.version,
        },
        ev.PlanChangesRequested: lambda e: {},
        ev.PlanApproved: lambda e: {  # the first approval counts for the reports
            "approved_at": func.coalesce(table.c.approved_at, e.timestamp),
            "approval_late": func.coalesce(table.c.approval_late, e.late),
            "plan_version": e.version,
        },
        ev.GoalReadjusted: lambda e: {"plan_version": e.version},
        ev.ReadjustmentProposed: lambda e: {"plan_version": e.version},
        ev.CaseClosed: lambda e: {"closed_at": e.timestamp, "outcome": e.outcome},
        ev.ManagerChanged: lambda e: {
            "manager_id": e.participants.manager_id,
            "skip_level_id": e.participants.skip_level_id,
            "hr_partner_id": e.participants.hr_partner_id,
        },
    }


COUNTERS = {ev.CheckInHeld: "check_ins_held", ev.CheckInMissed: "check_ins_missed"}


class CaseStatus(ReadModel):
    name = "case_status"
    events = subscriptions.ALL_EVENTS - subscriptions.ROSTER_EVENTS  # all but the roster

    @classmethod
    def handled(cls) -> frozenset[type]:
        return frozenset({ev.CaseOpened, *changes_for(case_status), *COUNTERS})

    def __init__(self, version: int = 1) -> None:
        super().__init__(version)
        self.table = self.tables["case_status"]
        self.changes = changes_for(self.table)

    @classmethod
    def define(cls, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return {"case_status": define_case_status(metadata, "case_status" + suffix)}

    def _opened(self, event: Any, position: int) -> dict[str, Any]:
        people = event.participants
        return {
            "case_id": event.originator_id,
            "cycle_id": event.cycle_id,
            "employee_id": people.employee_id,
            "manager_id": people.manager_id,
            "skip_level_id": people.skip_level_id,
            "hr_partner_id": people.hr_partner_id,
            "phase": "preparing",
            "opened_at": event.timestamp,
            "check_ins_held": 0,
            "check_ins_missed": 0,
            "position": position,
        }

    def apply_opened(self, conn: Connection, deliveries: list[Delivery]) -> None:
        self._insert_opened(conn, [self._opened(d.event, d.position) for d in deliveries])

    def _insert_opened(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Many new cases in one statement (row by row, even pipelined, the insert cost
        more than reading and decoding the events: ``bench/projection_bench.py``)."""
        insert_unnested(conn, self.table.name, rows, _SQL_TYPE, conflict="case_id")

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if not isinstance(event, DevelopmentCase.Event):
            return
        table = self.table
        kind = type(event)
        where = table.c.case_id == event.originator_id
        if isinstance(event, ev.CaseOpened):
            self._insert_opened(conn, [self._opened(event, position)])
        elif kind in self.changes:
            changes = self.changes[kind](event)
            if kind in PHASE_AFTER:
                changes["phase"] = PHASE_AFTER[kind].value
            conn.execute(update(table).where(where).values(position=position, **changes))
        elif kind in COUNTERS:
            column = table.c[COUNTERS[kind]]
            conn.execute(
                update(table).where(where).values({column: column + 1, "position": position})
            )


_SQL_TYPE = {
    "case_id": "uuid",
    "cycle_id": "uuid",
    "employee_id": "text",
    "manager_id": "text",
    "skip_level_id": "text",
    "hr_partner_id": "text",
    "phase": "text",
    "opened_at": "timestamptz",
    "check_ins_held": "integer",
    "check_ins_missed": "integer",
    "position": "integer",
}
"""The columns a new case fills, as PostgreSQL types (for ``unnest``)."""

case_status = CaseStatus.views()["case_status"]
"""The view readers query (it shows the live version)."""
