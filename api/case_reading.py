"""Reading a case's history, for the API and the pages alike: access, the sealed read, the
notes each reader may see (one place, so the two faces cannot differ)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from api import access
from api.auth import Caller
from api.deps import CurrentUser, Now, ReadsDep, RosterDep
from api.schemas.history_public import CaseHistory
from api.sealed_reads import Reason, SealedReads
from application.service import CareerFlow
from domain.case import DevelopmentCase
from domain.roster import Roster

AsOf = Annotated[
    str | None,
    Query(max_length=64, description="a case version (e.g. 5) or a time (2027-03-01T12:00:00Z)"),
]


@dataclass(frozen=True)
class CaseOpening:
    """Who opens a case, and why: what an API read of a case needs (one dependency)."""

    caller: Caller
    roster: Roster
    reads: SealedReads
    now: datetime
    reason: str | None

    def open(self, case: DevelopmentCase, what: str = "case") -> DevelopmentCase:
        """The case, to a reader of it, the read recorded first (when it is)."""
        access.require_case_reader(self.caller, self.roster, case)
        self.reads.record(self.caller, self.roster, case, what, self.reason, self.now)
        return case


async def _opening(
    caller: CurrentUser, roster: RosterDep, reads: ReadsDep, now: Now, reason: Reason = None
) -> CaseOpening:
    return CaseOpening(caller, roster, reads, now, reason)


OpeningDep = Annotated[CaseOpening, Depends(_opening)]


def read_history(
    application: CareerFlow, opening: CaseOpening, case_id: UUID, as_of: str | None
) -> CaseHistory:
    """The case's trail as the opener may read it (an ``as_of`` refused reads nothing)."""
    case = application.get_case(case_id)
    access.require_case_reader(opening.caller, opening.roster, case)
    state, entries = application.history_as_of(case_id, as_of)
    opening.open(case, "case history" if as_of is None else f"case history as of {as_of}")
    book = application.get_framework_book()
    return CaseHistory.of(
        case_id, as_of, state, entries, caller=opening.caller, current=case, book=book
    )
