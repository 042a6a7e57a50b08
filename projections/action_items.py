"""Action items: owner, due time, status, overdue since, and the highest escalation rung.

Days overdue depend on when one asks, so the table keeps ``overdue_since`` and a
query computes the days (see ``overdue_days``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
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
from sqlalchemy.dialects.postgresql import insert

from domain.action_item import ActionItem
from projections.runner import ReadModel


def define_action_items(metadata: MetaData, name: str = "action_items") -> Table:
    return Table(
        name,
        metadata,
        Column("item_id", Uuid, primary_key=True),
        Column("case_id", Uuid, nullable=False, index=True),
        Column("cycle_id", Uuid, nullable=False, index=True),
        Column("employee_id", Text, nullable=False),
        Column("owner_id", Text, nullable=False, index=True),
        Column("title", Text, nullable=False),
        Column("agreed_at", DateTime(timezone=True), nullable=False),
        Column("due_at", DateTime(timezone=True), nullable=False),
        Column("status", Text, nullable=False),
        Column("overdue_since", DateTime(timezone=True)),
        Column("escalation_rung", Integer, nullable=False),
        Column("reschedules", Integer, nullable=False),
        Column("closed_at", DateTime(timezone=True)),
        Column("position", Integer, nullable=False),
    )


def overdue_days(overdue_since: datetime | None, now: datetime) -> int:
    """Whole days an item has been overdue at ``now`` (0 when it is not)."""
    return 0 if overdue_since is None else max((now - overdue_since).days, 0)


class ActionItems(ReadModel):
    name = "action_items"

    def __init__(self, version: int = 1) -> None:
        super().__init__(version)
        self.table = self.tables["action_items"]

    @classmethod
    def define(cls, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return {"action_items": define_action_items(metadata, "action_items" + suffix)}

    def apply(self, conn: Connection, event: Any, position: int) -> None:
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
            changes = {"escalation_rung": func.greatest(action_items.c.escalation_rung, event.rung)}
        elif isinstance(event, ActionItem.ActionItemCompleted | ActionItem.ActionItemCancelled):
            completed = isinstance(event, ActionItem.ActionItemCompleted)
            status = "completed" if completed else "cancelled"
            changes = {"status": status, "closed_at": event.timestamp}
        if changes is not None:
            conn.execute(update(action_items).where(where).values(position=position, **changes))


action_items = ActionItems.views()["action_items"]
"""The view readers query (it shows the live version)."""
