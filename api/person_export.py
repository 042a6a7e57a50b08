"""Everything careerflow holds about one person, as JSON (a data-access request).

It is what the person may read of it themselves: their roster entry, each of their
cases with its audit trail (their own notes and the shared ones, never another's
private note; anonymous peer feedback without its author), the action items agreed
in them, the messages sent to them, and who read their data. One place builds it for
the API and the CLI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine

from api.auth import Caller
from api.schemas.case_public import ActionItemPublic
from api.schemas.history_public import CaseHistory
from api.schemas.note_public import NotePublic, notes_for
from api.sealed_reads import SealedReads
from application.service import CareerFlow
from domain import errors
from notifications.inbox import install_inbox, messages_for

MESSAGES = 5_000
READS = 5_000
"""The most messages and reads an export lists (newest first); ``truncated`` says so."""


class CaseExport(BaseModel):
    history: CaseHistory
    notes: list[NotePublic]
    action_items: list[ActionItemPublic]


class PersonExport(BaseModel):
    employee_id: str
    exported_at: datetime
    person: dict[str, Any] | None = Field(description="the roster entry (null: not on it)")
    erased: bool
    cases: list[CaseExport]
    messages: list[dict[str, Any]]
    reads: list[dict[str, Any]] = Field(description="who opened this person's data")
    truncated: bool = Field(description="more messages or reads than an export lists")


def export_person(
    application: CareerFlow, engine: Engine, employee_id: str, at: datetime
) -> PersonExport:
    roster = application.get_roster()
    person = roster.get(employee_id)
    cases = application.cases_of(employee_id)
    if person is None and not cases and employee_id not in roster.erased:
        raise errors.NotFound("person", employee_id)
    themself = Caller(employee_id)
    exported = []
    for case in cases:
        state, entries = application.history_as_of(case.id, None)
        exported.append(
            CaseExport(
                history=CaseHistory.of(
                    case.id,
                    None,
                    state,
                    entries,
                    caller=themself,
                    current=case,
                    book=application.get_framework_book(),
                ),
                notes=notes_for(themself, case),
                action_items=[
                    ActionItemPublic.of(application.get_action_item(i))
                    for i in case.action_item_ids
                ],
            )
        )
    install_inbox(engine)  # (a store whose notifier never ran has none yet)
    messages = messages_for(engine, employee_id, MESSAGES + 1)
    reads = SealedReads(engine).of_person(employee_id, READS + 1, None)
    return PersonExport(
        employee_id=employee_id,
        exported_at=at,
        person=None if person is None else person.model_dump(mode="json"),
        erased=employee_id in roster.erased,
        cases=exported,
        messages=[vars(m) for m in messages[:MESSAGES]],
        reads=[vars(r) for r in reads[:READS]],
        truncated=len(messages) > MESSAGES or len(reads) > READS,
    )
