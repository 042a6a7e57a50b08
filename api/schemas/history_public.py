"""The audit trail as the API shows it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.auth import Caller
from api.schemas.case_public import CasePublic
from api.schemas.note_public import note_view
from application.history import HistoryEntry
from domain.case import DevelopmentCase
from domain.case_events import NoteAdded
from domain.framework import FrameworkBook


class HistoryEntryPublic(BaseModel):
    aggregate: str
    aggregate_id: UUID
    version: int
    event: str
    actor: str
    on_behalf_of: str | None = Field(
        None, description="the absent person the actor (their delegate) took the step for"
    )
    occurred_at: datetime
    idempotency_key: str | None = None
    payload: dict[str, Any]

    @classmethod
    def of(cls, entry: HistoryEntry, *, sees_authors: bool = True) -> HistoryEntryPublic:
        """The entry; anonymous peer feedback without its author unless ``sees_authors``."""
        public = cls.model_validate(entry, from_attributes=True)
        if not sees_authors and entry.payload.get("anonymous") is True:
            payload = {k: v for k, v in entry.payload.items() if k != "peer_id"}
            public = public.model_copy(update={"actor": ANONYMOUS, "payload": payload})
        return public


ANONYMOUS = "anonymous"
"""The author anonymous peer feedback shows to everyone but HR admins and auditors."""


class CaseHistory(BaseModel):
    """A case's audit trail, and its state then (now, or as of a version or a time)."""

    case_id: UUID
    as_of: str | None
    state: CasePublic
    entries: list[HistoryEntryPublic]

    @classmethod
    def of(
        cls,
        case_id: UUID,
        as_of: str | None,
        state: DevelopmentCase,
        entries: list[HistoryEntry],
        *,
        caller: Caller,
        current: DevelopmentCase,
        book: FrameworkBook | None = None,
    ) -> CaseHistory:
        """The trail as ``caller`` may read it: notes as ``note_view`` says (``current``
        is the case now, whose participants decide who reads a shared note)."""
        notes = {n.note_id: n for n in current.notes}
        shown = []
        for entry in entries:
            if entry.event == NOTE_ADDED:
                seen = note_view(caller, current, notes[UUID(entry.payload["note_id"])])
                if seen is None:
                    continue
                if seen.text is None:
                    payload = {k: v for k, v in entry.payload.items() if k != "text"}
                    entry = replace(entry, payload=payload)
            shown.append(HistoryEntryPublic.of(entry, sees_authors=caller.sees_everything))
        return cls(case_id=case_id, as_of=as_of, state=CasePublic.of(state, book), entries=shown)


NOTE_ADDED = NoteAdded.__name__
