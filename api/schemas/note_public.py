"""Notes on a case as each reader may see them (DESIGN.md §7)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from api.auth import Caller
from domain.case import CaseNote, DevelopmentCase
from domain.case_state import NoteVisibility


class NotePublic(BaseModel):
    note_id: UUID
    author_id: str
    visibility: NoteVisibility
    written_at: datetime
    text: str | None = Field(
        description="null when the reader may know the note exists but not read it"
    )


class CaseNotes(BaseModel):
    case_id: UUID
    notes: list[NotePublic]


def note_view(caller: Caller, case: DevelopmentCase, note: CaseNote) -> NotePublic | None:
    """The note as the caller sees it: whole for its readers (``note_readable_by``); its
    existence and time alone for HR admins and auditors; nothing at all for anyone else."""
    readable = case.note_readable_by(note, caller.employee_id)
    if not readable and not caller.sees_everything:
        return None
    return NotePublic(
        note_id=note.note_id,
        author_id=note.author_id,
        visibility=note.visibility,
        written_at=note.written_at,
        text=note.text if readable else None,
    )


def notes_for(caller: Caller, case: DevelopmentCase) -> list[NotePublic]:
    return [seen for note in case.notes if (seen := note_view(caller, case, note)) is not None]
