"""Reading a case's history, for the API and the pages alike: access, the sealed read, the
notes each reader may see (one place, so the two faces cannot differ)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query

from api import access
from api.auth import Caller
from api.schemas.history_public import CaseHistory
from api.sealed_reads import SealedReads
from application.service import CareerFlow
from domain.roster import Roster

AsOf = Annotated[
    str | None,
    Query(max_length=64, description="a case version (e.g. 5) or a time (2027-03-01T12:00:00Z)"),
]


def read_history(
    application: CareerFlow,
    caller: Caller,
    roster: Roster,
    reads: SealedReads,
    now: datetime,
    case_id: UUID,
    as_of: str | None,
    reason: str | None,
) -> CaseHistory:
    """The case's trail as ``caller`` may read it, the read recorded first (when it is)."""
    case = application.get_case(case_id)
    access.require_case_reader(caller, roster, case)
    state, entries = application.history_as_of(case_id, as_of)
    what = "case history" if as_of is None else f"case history as of {as_of}"
    reads.record(caller, roster, case, what, reason, now)
    return CaseHistory.of(case_id, as_of, state, entries, caller=caller, current=case)
