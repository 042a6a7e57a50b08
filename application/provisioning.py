"""Provisioning one person at a time (SCIM): through the same roster rules as an import.

Each change is the whole roster with that one person added, replaced, deactivated or
removed, validated as a whole (unknown manager, a loop in the chain, a deactivated
manager, the framework's tracks) and imported: the import records only the change,
moves open cases to a new manager and withdraws a leaver's open cases, with the
provisioning actor on the event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from application.frameworks import Frameworks
from application.outcomes import RosterImport
from domain.roster import Person
from domain.roster_validation import validate_roster

PROVISIONING_ACTOR = "careerflow:scim"

"""Who the roster events of the identity provider's changes name."""


class Provisioning(Frameworks):
    def checked_roster(self, rows: Sequence[tuple[int, dict[str, Any] | str]]) -> list[Person]:
        """``rows`` validated as a whole roster against the career framework; a row that
        says what the roster records of someone is taken as recorded (``validate_roster``).
        Every import checks its rows here: a file, the page's text, the identity provider."""
        return validate_roster(rows, self.framework_positions(), self.get_roster().by_id())

    def provision(self, row: dict[str, Any], *, at: datetime) -> Person:
        """Add or replace one person (``row`` as an import row); their roster entry."""
        roster = self.get_roster()
        others = [p for p in roster.everyone() if p.employee_id != row["employee_id"]]
        self._import([*others, row], at=at, allow_removals=False)
        person = self.get_roster().anyone(row["employee_id"])
        assert person is not None
        return person

    def deprovision(self, employee_id: str, *, at: datetime) -> RosterImport:
        """Remove one person (their open cases are withdrawn, their history kept)."""
        others = [p for p in self.get_roster().everyone() if p.employee_id != employee_id]
        return self._import(others, at=at, allow_removals=True)

    def _import(
        self, people: Sequence[Person | dict[str, Any]], *, at: datetime, allow_removals: bool
    ) -> RosterImport:
        rows = [
            (n, p.model_dump() if isinstance(p, Person) else p) for n, p in enumerate(people, 1)
        ]
        return self.import_roster(
            self.checked_roster(rows),
            source="scim",
            actor=PROVISIONING_ACTOR,
            at=at,
            allow_removals=allow_removals,
        )
