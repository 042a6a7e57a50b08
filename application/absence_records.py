"""Recording and ending absences: the roster keeps them, the employee's open cases are told.

Get the roster, let it decide, save; then tell each open case of the absent person
(``NoteAbsence``), so their own deadlines move. Who is away is then read from the
roster wherever someone is addressed (``away_at``) or acts for someone (the command path).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from application.command_path import CommandPath
from application.cycle_runs import CycleRuns
from application.erasure import PersonalDataErasure
from domain import errors
from domain.absences import Absence, Away
from domain.base import SYSTEM_ACTOR, By
from domain.case import DevelopmentCase
from domain.roster import ROSTER_ID, Roster
from domain.timer_commands import NoteAbsence
from domain.values import Participants


class Absences(CommandPath, CycleRuns, PersonalDataErasure):
    def away_at(self, at: datetime) -> Away:
        return self.get_roster().away_at(at)

    def record_absence(
        self,
        *,
        employee_id: str,
        starts_on: date,
        ends_on: date,
        delegate_id: str | None,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> Absence:
        roster = self._roster_to_change()
        by = By(actor, at, idempotency_key)
        roster.record_absence(
            employee_id=employee_id,
            starts_on=starts_on,
            ends_on=ends_on,
            delegate_id=delegate_id,
            by=by,
        )
        self._save_roster(roster)
        absence = next(
            a
            for a in reversed(roster.absences_of(employee_id))
            if (a.starts_on, a.ends_on) == (starts_on, ends_on)
        )
        self._tell_cases(absence, at)
        return absence

    def end_absence(self, number: int, *, actor: str, at: datetime) -> Absence:
        """End it now (the caller has checked who may); its cases are told again."""
        roster = self._roster_to_change()
        roster.end_absence(number=number, by=By(actor, at))
        self._save_roster(roster)
        absence = roster.absences[number]
        self._tell_cases(absence, at)
        return absence

    def _roster_to_change(self) -> Roster:
        if not self._exists(ROSTER_ID):
            raise errors.InvalidCommand("employee_id", "import a roster first")
        return self._get(Roster, "roster", ROSTER_ID)

    def _after_opening(
        self, cycle_id: UUID, population: Sequence[Participants], at: datetime
    ) -> None:
        """Cases just opened for people with an absence not over yet are told of it (their
        deadlines move by it as if it had been recorded after the case opened)."""
        roster = self.get_roster()
        for person in population:
            for absence in roster.absences_of(person.employee_id):
                if absence.ends_at > at:
                    self._tell(self.case_for(cycle_id, person.employee_id), absence, at)

    def _save_roster(self, roster: Roster) -> None:
        if roster.pending_events:
            self._store(roster)
            self.roster_writes += 1

    def _tell_cases(self, absence: Absence, at: datetime) -> None:
        for case in self.cases_of(absence.employee_id):
            self._tell(case, absence, at)

    def _tell(self, case: DevelopmentCase, absence: Absence, at: datetime) -> None:
        if case.is_closed or case.absences.get(absence.number) == (
            absence.starts_at,
            absence.ends_at,
        ):
            return
        note = NoteAbsence(
            number=absence.number, starts_at=absence.starts_at, ends_at=absence.ends_at
        )
        self.execute(case.id, note, actor=SYSTEM_ACTOR, at=at)
