"""Erasing a person, everywhere their data can be: one function for the API and the CLI.

``CareerFlow.erase_person`` records the erasure in the log and destroys the person's key
(the read models scrub their rows when the projector reaches it). What is not built
from the log is scrubbed here, at once: the inbox (messages to the person deleted;
those about their cases or naming them blanked), the ``.eml`` outbox (deleted), the
reasons given for reading their data, and the errors recorded for set-aside events of
theirs. The name and e-mail to look for are read before the key is destroyed; after,
nobody can read them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import Engine

from api.sealed_reads import SealedReads
from application.service import CareerFlow
from eventlog.set_aside import erase_errors
from notifications.channels import EmlFileChannel
from notifications.inbox import erase_messages


class ErasureReport(BaseModel):
    employee_id: str
    erased_at: datetime
    case_ids: list[UUID]
    action_item_ids: list[UUID]
    rows_sealed: int
    """Rows stored before sealing existed, sealed before the key was destroyed."""
    messages_scrubbed: int
    files_removed: int
    read_reasons_blanked: int
    set_aside_errors_blanked: int


def erase_person(
    application: CareerFlow,
    engine: Engine,
    outbox: Path | None,
    employee_id: str,
    *,
    reason: str,
    actor: str,
    at: datetime,
) -> ErasureReport:
    roster = application.get_roster()
    person = roster.get(employee_id)
    fresh = person is not None and employee_id not in roster.erased  # not a repeat
    words = [person.name, person.email] if person is not None and fresh else []
    erasure = application.erase_person(employee_id, reason=reason, actor=actor, at=at)
    positions = application.positions_of([*erasure.case_ids, *erasure.action_item_ids])
    known = set(positions)
    files = EmlFileChannel(outbox).erase(employee_id, known, words) if outbox else 0
    return ErasureReport(
        employee_id=employee_id,
        erased_at=erasure.erased_at,
        case_ids=list(erasure.case_ids),
        action_item_ids=list(erasure.action_item_ids),
        rows_sealed=erasure.rows_sealed,
        messages_scrubbed=erase_messages(engine, employee_id, positions, words),
        files_removed=files,
        read_reasons_blanked=SealedReads(engine).erase_reasons(employee_id),
        set_aside_errors_blanked=erase_errors(application, positions),
    )
