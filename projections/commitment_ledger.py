"""The commitment ledger: every action item and goal with its full change history.

One row per event that creates or changes a commitment — who, when, what changed
and why — so an auditor can follow any promise from agreement to outcome.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert

from domain import case_events as ev
from domain import subscriptions
from domain.action_item import ActionItem
from domain.personal import ERASED
from domain.subscriptions import events_of
from eventlog.follower import Delivery
from projections.runner import ReadModel


def define_ledger(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("employee_id", sa.Text, nullable=False, index=True),
        sa.Column("commitment", sa.Text, nullable=False),  # "action_item" or "goal"
        sa.Column("subject", sa.Text, nullable=False, index=True),  # item id or goal id
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("details", JSONB, nullable=False),
        sa.Column("reason", sa.Text),
    )


def define_cases(metadata: sa.MetaData, name: str) -> sa.Table:
    """Whose case is which (goal events carry only the case id)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("employee_id", sa.Text, nullable=False),
    )


def _goal(goal: Any) -> dict[str, Any]:
    return {"specific": goal.specific, "due_on": goal.due_on.isoformat()}


class CommitmentLedger(ReadModel):
    name = "commitment_ledger"
    events = subscriptions.ALL_EVENTS - subscriptions.ROSTER_EVENTS  # all but the roster

    def __init__(self, version: int = 1) -> None:
        super().__init__(version)
        self.table = self.tables["commitment_ledger"]
        self.cases = self.tables["commitment_cases"]
        self.insert_case = insert(self.cases).on_conflict_do_nothing(index_elements=["case_id"])

    @classmethod
    def define(cls, metadata: sa.MetaData, suffix: str) -> dict[str, sa.Table]:
        return {
            "commitment_ledger": define_ledger(metadata, "commitment_ledger" + suffix),
            "commitment_cases": define_cases(metadata, "commitment_cases" + suffix),
        }

    GOAL_EVENTS: frozenset[type] = frozenset(
        {
            ev.GoalProposed,
            ev.PlanDrafted,
            ev.PlanSubmitted,
            ev.PlanApproved,
            ev.PlanChangesRequested,
            ev.GoalProgressRecorded,
            ev.CheckInHeld,
            ev.GoalReadjusted,
            ev.ReadjustmentProposed,
        }
    )
    """The case events a goal commitment comes from (``_rows``); every action-item event
    is one too."""

    @classmethod
    def handled(cls) -> frozenset[type]:
        return frozenset(
            {ev.CaseOpened, ev.PersonalDataErased, *cls.GOAL_EVENTS, *events_of(ActionItem)}
        )

    TEXT_DETAILS = ("title", "specific")
    """The personal strings a row's details keep (an item's title, a goal's words)."""

    def erase(self, conn: sa.Connection, aggregate_id: Any) -> None:
        table = self.table
        rows = conn.execute(
            sa.select(table.c.position, table.c.seq, table.c.details, table.c.reason).where(
                table.c.case_id == aggregate_id
            )
        ).all()
        for row in rows:
            details = {
                k: ERASED if k in self.TEXT_DETAILS else v for k, v in dict(row.details).items()
            }
            conn.execute(
                sa.update(table)
                .where(table.c.position == row.position, table.c.seq == row.seq)
                .values(details=details, reason=None if row.reason is None else ERASED)
            )

    def _rows(self, conn: sa.Connection, event: Any) -> list[dict[str, Any]]:
        event_: Any = event
        kind = type(event).__name__
        if isinstance(event, ActionItem.Event):
            return [self._item_row(conn, event, kind)]
        if type(event) not in self.GOAL_EVENTS:
            return []
        goals: list[tuple[str, dict[str, Any], str | None]] = []
        if isinstance(event, ev.GoalProposed):
            goals = [(event.goal.goal_id, _goal(event.goal), None)]
        elif isinstance(event, ev.PlanDrafted):
            goals = [
                (g.goal_id, _goal(g) | {"plan_version": event.version}, None)
                for g in event.plan.goals
            ]
        elif isinstance(
            event,
            ev.PlanSubmitted | ev.PlanApproved | ev.PlanChangesRequested,
        ):
            comments = getattr(event_, "comments", None)
            goals = [("plan", {"plan_version": event_.version}, comments)]
        elif isinstance(event, ev.GoalProgressRecorded):
            p = event_.progress
            goals = [(p.goal_id, {"percent": p.percent}, p.note or None)]
        elif isinstance(event, ev.CheckInHeld):
            goals = [
                (p.goal_id, {"percent": p.percent, "check_in": event_.number}, p.note or None)
                for p in event_.progress
            ]
        elif isinstance(event, ev.GoalReadjusted | ev.ReadjustmentProposed):
            goal = event.goal
            goals = [(goal.goal_id, _goal(goal) | {"plan_version": event.version}, event.reason)]
        if not goals:
            return []
        employee = self._case_employee(conn, event)
        return [
            {
                "case_id": event.originator_id,
                "employee_id": employee,
                "commitment": "goal",
                "subject": subject,
                "change": kind,
                "details": details,
                "reason": reason,
            }
            for subject, details, reason in goals
        ]

    def _case_employee(self, conn: sa.Connection, event: Any) -> str:
        found = conn.execute(
            sa.select(self.cases.c.employee_id).where(self.cases.c.case_id == event.originator_id)
        ).scalar()
        return str(found or "")

    def _item_row(self, conn: sa.Connection, event: Any, kind: str) -> dict[str, Any]:
        subject = str(event.originator_id)
        details: dict[str, Any] = {}
        reason: str | None = None
        if isinstance(event, ActionItem.ActionItemAgreed):
            case_id, employee = event.case_id, event.employee_id
            details = {
                "title": event.spec.title,
                "owner_id": event.spec.owner_id,
                "due_at": event.spec.due_at.isoformat(),
            }
        else:
            first = conn.execute(
                sa.select(self.table.c.case_id, self.table.c.employee_id)
                .where(self.table.c.subject == subject)
                .limit(1)
            ).one()
            case_id, employee = first.case_id, first.employee_id
            if isinstance(event, ActionItem.ActionItemRescheduled):
                details, reason = {"due_at": event.new_due_at.isoformat()}, event.reason
            elif isinstance(event, ActionItem.ActionItemCompleted):
                details, reason = {"late": event.late}, event.note or None
            elif isinstance(event, ActionItem.ActionItemCancelled):
                reason = event.reason
            elif isinstance(event, ActionItem.Escalated):
                details, reason = {"rung": event.rung, "to": event.recipient_id}, event.reason
            elif isinstance(event, ActionItem.ReminderSent):
                details, reason = {"to": event.recipient_id}, event.reason
        return {
            "case_id": case_id,
            "employee_id": employee,
            "commitment": "action_item",
            "subject": subject,
            "change": kind,
            "details": details,
            "reason": reason,
        }

    def apply_opened(self, conn: sa.Connection, deliveries: list[Delivery]) -> None:
        """Whose case is which (goal events carry only the case id)."""
        cases = [
            {"case_id": d.event.originator_id, "employee_id": d.event.participants.employee_id}
            for d in deliveries
        ]
        conn.execute(self.insert_case, cases)

    def apply(self, conn: sa.Connection, event: Any, position: int) -> None:
        if isinstance(event, ev.PersonalDataErased):
            self.erase(conn, event.originator_id)
            return
        if isinstance(event, ev.CaseOpened):
            conn.execute(
                insert(self.cases)
                .values(case_id=event.originator_id, employee_id=event.participants.employee_id)
                .on_conflict_do_nothing(index_elements=["case_id"])
            )
            return
        for seq, row in enumerate(self._rows(conn, event)):
            conn.execute(
                insert(self.table)
                .values(
                    position=position,
                    seq=seq,
                    occurred_at=event.timestamp,
                    actor=event.actor,
                    **row,
                )
                .on_conflict_do_nothing(index_elements=["position", "seq"])
            )


commitment_ledger = CommitmentLedger.views()["commitment_ledger"]
