"""A case told of its employee's absence: their own deadlines move by it.

The roster keeps absences (``domain/absences.py``); each one of an employee with
open cases is told to those cases as ``AbsenceNoted`` (again when it ends early),
so the case history shows why a deadline moved and the deadline rule reads it
from the case's own facts, as it reads everything else.
"""

from __future__ import annotations

from datetime import datetime

from domain.base import By, Decision, command, require_system
from domain.case_events import CaseEvent
from domain.case_state import CaseState


class AbsenceNoted(CaseEvent):
    number: int
    starts_at: datetime
    ends_at: datetime

    def apply(self, case: CaseState) -> None:
        case.absences = {**case.absences, self.number: (self.starts_at, self.ends_at)}


class AbsenceSteps(CaseState):
    @command(AbsenceNoted)
    def note_absence(
        self, *, number: int, starts_at: datetime, ends_at: datetime, by: By
    ) -> Decision:
        """Service step; nothing is recorded when the case knows it already, or is closed."""
        require_system(by.actor, "note an absence")
        if self.is_closed or self.absences.get(number) == (starts_at, ends_at):
            return None
        return {"number": number, "starts_at": starts_at, "ends_at": ends_at}
