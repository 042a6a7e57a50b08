"""Notes on a case: a step either party takes at any time the case is open.

A private note is its author's alone; a shared one is the employee's and their
manager's (``CaseState.note_readable_by``). No note is ever told to anyone: the step
is silent, and its event has no consumer (``domain.subscriptions.AUDIT_ONLY``).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from pydantic import Field

from domain.base import By, CareerAggregate
from domain.case import DevelopmentCase, note_id_for
from domain.case_state import NoteVisibility
from domain.commands import CaseCommand
from domain.phases import OPEN_PHASES
from domain.step_records import Form, FormField, Stage, StepRecord, Who
from domain.values import Text

F = FormField


WHO = ((NoteVisibility.PRIVATE.value, "Only me"), (NoteVisibility.SHARED.value, "Both of us"))
"""Who may read a note, as the form offers it."""


class AddNote(CaseCommand):
    """A note on the case: private to its author, or shared by the employee and manager."""

    step = StepRecord(
        action="add a note",
        who=Who.EITHER,
        stage=Stage.CONVERSATION,
        path="notes",
        summary="Keep a note on the case (private, or shared with the other party)",
        offered_in=OPEN_PHASES,
        form=Form(
            "Keep a note",
            "Save note",
            (
                F("text", "Note", "textarea"),
                F("visibility", "Who may read it", "select", options=WHO),
            ),
            intro="A private note is yours alone: not the other party, not HR, not an auditor.",
        ),
        routed=False,  # answers the note (201), not the case
    )
    text: Text
    visibility: NoteVisibility = Field(
        NoteVisibility.PRIVATE,
        description="private: its author alone; shared: the employee and their manager",
    )

    @staticmethod
    def note_id(case: DevelopmentCase, idempotency_key: str | None) -> UUID:
        """The note's id: from the client's key (kept apart from derived keys), else a count."""
        key = f"count:{len(case.notes)}" if idempotency_key is None else f"client:{idempotency_key}"
        return note_id_for(case.id, key)

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        note_id = self.note_id(case, by.idempotency_key)
        case.add_note(note_id=note_id, text=self.text, visibility=self.visibility, by=by)
        return ()
