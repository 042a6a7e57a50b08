"""Sealed reads: who opened a person's confidential content, when, what and why.

When anyone but the employee or their manager opens a case's content (its state with
the self-assessment, goals, recap and plans, or its history with the texts of every
step), the read is recorded here before the content is answered, and the employee
lists these reads (``GET /me/reads``, the "Who read my data" page). An HR admin or an
auditor opening a case outside their own department must say why (``reason``).

A table of its own rather than events in the log: a read changes nothing in the
process, and a person read ten thousand times must not make any aggregate longer.
One module owns the table, so the writer and the readers cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Identity,
    Index,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.auth import Caller
from domain import errors
from domain.case import DevelopmentCase
from domain.personal import ERASED
from domain.roster import Relation, Roster
from eventlog.setup_lock import schema_setup


class _Base(DeclarativeBase):
    pass


class SealedReadRow(_Base):
    __tablename__ = "sealed_reads"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[str] = mapped_column(Text)
    """Whose data was read (the case's employee)."""
    reader_id: Mapped[str] = mapped_column(Text)
    reader_as: Mapped[str] = mapped_column(Text)
    """In which standing: HR admin, auditor, HR partner, skip-level manager."""
    what: Mapped[str] = mapped_column(Text)
    case_id: Mapped[UUID]
    reason: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("sealed_reads_by_person", "person_id", "id"),)


sealed_reads: Table = SealedReadRow.__table__  # type: ignore[assignment]

REASON_MAX = 500

Reason = Annotated[
    str | None,
    Query(
        max_length=REASON_MAX,
        description="why you open this case: required of HR admins and auditors for a "
        "case outside their own department (the employee sees it)",
    ),
]


@dataclass(frozen=True)
class SealedRead:
    id: int
    reader_id: str
    reader_as: str
    what: str
    case_id: UUID
    reason: str | None
    read_at: datetime


def standing(caller: Caller, roster: Roster, case: DevelopmentCase) -> str | None:
    """In which standing the caller reads the case; None when the read is not recorded
    (the employee's own case, or the manager reading a report's)."""
    if caller.employee_id in (case.employee_id, case.manager_id):
        return None
    if caller.is_hr_admin:
        return "HR admin"
    if caller.is_auditor:
        return "auditor"
    relation = roster.relation(caller.employee_id, case.employee_id)
    if relation is Relation.SKIP_LEVEL:
        return "skip-level manager"
    if relation is Relation.HR_PARTNER:
        return "HR partner"
    return "reader"


def require_reason(caller: Caller, roster: Roster, case: DevelopmentCase, reason: str) -> None:
    """HR admins and auditors say why they open a case outside their own department."""
    if not caller.sees_everything or caller.employee_id in (case.employee_id, case.manager_id):
        return
    reader, employee = roster.get(caller.employee_id), roster.get(case.employee_id)
    if reader is not None and employee is not None and reader.department == employee.department:
        return
    if not reason:
        raise errors.InvalidCommand(
            "reason",
            "say why you open a case outside your own department; the employee will see it",
        )


class SealedReads:
    """Records reads and lists them for the person whose data was read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with schema_setup(engine):
            _Base.metadata.create_all(engine)

    def record(
        self,
        caller: Caller,
        roster: Roster,
        case: DevelopmentCase,
        what: str,
        reason: str | None,
        at: datetime,
    ) -> None:
        """Check the reason and record the read, before any of the content is answered.

        Raises ``InvalidCommand`` (naming ``reason``) when a reason is owed and missing;
        then nothing is recorded and nothing read.
        """
        said = (reason or "").strip()
        require_reason(caller, roster, case, said)
        reader_as = standing(caller, roster, case)
        if reader_as is None:
            return
        with self.engine.begin() as conn:
            conn.execute(
                insert(sealed_reads).values(
                    person_id=case.employee_id,
                    reader_id=caller.employee_id,
                    reader_as=reader_as,
                    what=what,
                    case_id=case.id,
                    reason=said or None,
                    read_at=at,
                )
            )

    def erase_reasons(self, person_id: str) -> int:
        """Blank the reasons given for reading the person's data (an erasure: a reason may
        name them); who read it and when stay."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(sealed_reads)
                .where(sealed_reads.c.person_id == person_id, sealed_reads.c.reason.isnot(None))
                .values(reason=ERASED)
            )
            return done.rowcount

    def of_person(self, person_id: str, limit: int, before: int | None) -> list[SealedRead]:
        """The reads of one person's data, newest first, ``limit`` at most, below ``before``."""
        query = select(sealed_reads).where(sealed_reads.c.person_id == person_id)
        if before is not None:
            query = query.where(sealed_reads.c.id < before)
        query = query.order_by(sealed_reads.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            SealedRead(
                id=r["id"],
                reader_id=r["reader_id"],
                reader_as=r["reader_as"],
                what=r["what"],
                case_id=r["case_id"],
                reason=r["reason"],
                read_at=r["read_at"],
            )
            for r in rows
        ]
