"""The career framework: import a new version, and the terms a case is judged by."""

from __future__ import annotations

from datetime import datetime

from application.outcomes import FrameworkImport
from application.roster_imports import RosterImports
from domain.base import By
from domain.career_gap import Position
from domain.case import DevelopmentCase
from domain.framework import FRAMEWORK_ID, CareerFramework, FrameworkBook
from domain.framework_step import FrameworkTerms


class Frameworks(RosterImports):
    """Framework imports, and each case's framework version and the employee's position."""

    framework_writes = 0
    """New framework versions this process has saved: readers holding the book know it changed."""

    def import_framework(
        self,
        framework: CareerFramework,
        *,
        source: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
        dry_run: bool = False,
    ) -> FrameworkImport:
        """Record ``framework`` (validated as a whole) as a new version when it differs.

        Open cases keep the version they opened with; a ``dry_run`` reports the
        difference and writes nothing."""
        if self._exists(FRAMEWORK_ID):
            book = self._get(FrameworkBook, "career framework", FRAMEWORK_ID)
        else:
            book = FrameworkBook.start(by=By(actor, at))
        diff = book.current.diff(framework)
        if dry_run or diff.empty:
            return FrameworkImport(diff=diff, version=book.current.version, dry_run=dry_run)
        book.import_framework(framework=framework, source=source, by=By(actor, at, idempotency_key))
        if book.pending_events:
            self._store(book)
            self.framework_writes += 1
        return FrameworkImport(diff=diff, version=book.current.version, dry_run=False)

    def framework_positions(self) -> dict[str, list[str]] | None:
        """The current framework's tracks and their levels, for a roster's columns
        (None: no framework imported)."""
        current = self.get_framework_book().current
        return current.positions() if current.version else None

    def framework_terms(self, case: DevelopmentCase) -> FrameworkTerms:
        person = self.get_roster().get(case.employee_id)
        position = None
        if person is not None and person.track and person.level:
            position = Position(track=person.track, level=person.level)
        return FrameworkTerms(self.get_framework_book().at(case.framework_version), position)
