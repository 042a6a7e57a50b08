"""The roster as a table: who is in which department, under which manager and HR partner.

Reports join it to group and scope by department; it follows the roster's imports.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, Text, delete, update
from sqlalchemy.dialects.postgresql import insert

from application.batch_writing import batches
from domain import subscriptions
from domain.personal import ERASED
from domain.roster import ERASED_EMAIL, Roster
from projections.runner import ReadModel


def define_roster_people(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("employee_id", Text, primary_key=True),
        Column("name", Text, nullable=False),
        Column("email", Text, nullable=False),
        Column("manager_id", Text, index=True),
        Column("department", Text, nullable=False, index=True),
        Column("hr_partner_id", Text, index=True),
        Column("timezone", Text),
    )


ROWS_PER_STATEMENT = 5_000
"""7 parameters a row: well under PostgreSQL's 65,535 parameters per statement."""


class RosterPeople(ReadModel):
    name = "roster_people"

    events = subscriptions.ROSTER_EVENTS | {Roster.PersonErased}

    @classmethod
    def handled(cls) -> frozenset[type]:
        return frozenset({Roster.RosterImported, Roster.PersonErased})

    def erase(self, conn: Connection, employee_id: str) -> None:
        conn.execute(
            update(self.table)
            .where(self.table.c.employee_id == employee_id)
            .values(name=ERASED, email=ERASED_EMAIL)
        )

    def __init__(self, version: int = 1) -> None:
        super().__init__(version)
        self.table = self.tables["roster_people"]

    @classmethod
    def define(cls, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return {"roster_people": define_roster_people(metadata, "roster_people" + suffix)}

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if isinstance(event, Roster.PersonErased):
            self.erase(conn, event.employee_id)
        if not isinstance(event, Roster.RosterImported):
            return
        table = self.table
        columns = set(table.c.keys())  # the framework position is career_growth's
        for people in batches(event.added, ROWS_PER_STATEMENT):  # a chunk's rows at a time
            chunk = [p.model_dump(include=columns) for p in people]
            statement = insert(table).values(chunk)
            excluded = {c: statement.excluded[c] for c in chunk[0] if c != "employee_id"}
            conn.execute(
                statement.on_conflict_do_update(index_elements=["employee_id"], set_=excluded)
            )
        for change in (c for c in event.changes if c.field in columns):
            conn.execute(
                update(table)
                .where(table.c.employee_id == change.employee_id)
                .values({change.field: change.new})
            )
        for gone in batches(event.removed, ROWS_PER_STATEMENT):
            conn.execute(delete(table).where(table.c.employee_id.in_(gone)))


roster_people = RosterPeople.views()["roster_people"]
