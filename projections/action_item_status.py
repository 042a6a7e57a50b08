"""Action items: owner, due time, status, overdue since, and the highest escalation rung.

Days overdue depend on when one asks, so the table keeps ``overdue_since`` and a
query computes the days (see ``overdue_days``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from domain import case_events as ev
from domain import subscriptions
from domain.action_item import ActionItem
from domain.personal import ERASED
from projections.runner import ReadModel


def define_action_items(metadata: sa.MetaData, name: str = "action_items") -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("item_id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("cycle_id", sa.Uuid, nullable=False, index=True),
        sa.Column("employee_id", sa.Text, nullable=False),
        sa.Column("owner_id", sa.Text, nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("overdue_since", sa.DateTime(timezone=True)),
        sa.Column("escalation_rung", sa.Integer, nullable=False),
        sa.Column("reschedules", sa.Integer, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("position", sa.Integer, nullable=False),
    )


def overdue_days(overdue_since: datetime | None, now: datetime) -> int:
    """Whole days an item has been overdue at ``now`` (0 when it is not)."""
    return 0 if overdue_since is None else max((now - overdue_since).days, 0)


class ActionItems(ReadModel):
    name = "action_items"
    events = subscriptions.ALL_EVENTS - subscriptions.ROSTER_EVENTS  # all but the roster

    @classmethod
    def handled(cls) -> frozenset[type]:
        return frozenset(
            {
                ev.PersonalDataErased,
                ActionItem.ActionItemAgreed,
                ActionItem.ActionItemRescheduled,
                ActionItem.ActionItemOverdue,
                ActionItem.Escalated,
                ActionItem.ActionItemCompleted,
                ActionItem.ActionItemCancelled,
            }
        )

    def __init__(self, version: int = 1) -> None:
        super().__init__(version)
        self.table = self.tables["action_items"]

    @classmethod
    def define(cls, metadata: sa.MetaData, suffix: str) -> dict[str, sa.Table]:
        return {"action_items": define_action_items(metadata, "action_items" + suffix)}

    def erase(self, conn: sa.Connection, aggregate_id: Any) -> None:
        where = self.table.c.case_id == aggregate_id
        conn.execute(sa.update(self.table).where(where).values(title=ERASED))

    def apply(self, conn: sa.Connection, event: Any, position: int) -> None:
        if isinstance(event, ev.PersonalDataErased):
            self.erase(conn, event.originator_id)
        if not isinstance(event, ActionItem.Event):
            return
        action_items = self.table
        where = action_items.c.item_id == event.originator_id
        changes: dict[str, Any] | None = None
        if isinstance(event, ActionItem.ActionItemAgreed):
            conn.execute(
                insert(action_items)
                .values(
                    item_id=event.originator_id,
                    case_id=event.case_id,
                    cycle_id=event.cycle_id,
                    employee_id=event.employee_id,
                    owner_id=event.spec.owner_id,
                    title=event.spec.title,
                    agreed_at=event.timestamp,
                    due_at=event.spec.due_at,
                    status="open",
                    escalation_rung=0,
                    reschedules=0,
                    position=position,
                )
                .on_conflict_do_nothing(index_elements=["item_id"])
            )
        elif isinstance(event, ActionItem.ActionItemRescheduled):
            changes = {
                "due_at": event.new_due_at,
                "overdue_since": None,
                "escalation_rung": 0,
                "reschedules": action_items.c.reschedules + 1,
            }
        elif isinstance(event, ActionItem.ActionItemOverdue):
            changes = {"overdue_since": event.timestamp}
        elif isinstance(event, ActionItem.Escalated):
            changes = {
                "escalation_rung": sa.func.greatest(action_items.c.escalation_rung, event.rung)
            }
        elif isinstance(event, ActionItem.ActionItemCompleted | ActionItem.ActionItemCancelled):
            completed = isinstance(event, ActionItem.ActionItemCompleted)
            status = "completed" if completed else "cancelled"
            changes = {"status": status, "closed_at": event.timestamp}
        if changes is not None:
            conn.execute(sa.update(action_items).where(where).values(position=position, **changes))


action_items = ActionItems.views()["action_items"]
"""The view readers query (it shows the live version)."""
