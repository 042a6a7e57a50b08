"""The roster: read it, import a new version, and carry the change to open cases."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from pydantic import TypeAdapter

from application.aggregate_access import AggregateAccess
from application.batch_writing import batches
from application.cycle_runs import DEFAULT_BATCH_SIZE
from application.outcomes import RosterImport
from domain import errors
from domain.base import By
from domain.roster import ROSTER_ID, Person, Roster
from domain.timer_commands import FollowRoster
from domain.values import CaseOutcome

_PEOPLE = TypeAdapter(list[Person])
"""Serialises a whole roster in one call (for the import's fingerprint)."""


class RosterImports(AggregateAccess):
    """Roster imports, and the cases they move to new people or withdraw."""

    roster_writes = 0
    """Roster changes this process has saved (imports, absences, erasures): readers holding
    a roster know it changed."""

    def get_roster(self) -> Roster:
        """The roster, to read (an empty one, not yet saved, before the first import).

        Every request asks, so it is the cached roster itself (``_shared``): copying
        100,000 people per request made every request slower the bigger the company.
        An import works on a copy (``import_roster``), and catching up replaces the
        roster's maps rather than changing them.
        """
        return self._shared(ROSTER_ID, lambda by: Roster.start(by=by))

    def import_roster(
        self,
        people: Sequence[Person],
        *,
        source: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
        dry_run: bool = False,
        allow_removals: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> RosterImport:
        """Record what changed in the roster, then move open cases to their new people.

        ``people`` has been validated as a whole (``validate_roster``). A manager,
        skip-level or HR partner change is recorded on every case still running in
        an open cycle, so future approvals and escalations go to the new person.
        Removing people needs ``allow_removals``; their open cases, and those of people
        deactivated (``active`` false), are closed as withdrawn. A ``dry_run`` reports
        the difference and writes nothing.
        """
        if self._exists(ROSTER_ID):
            roster = self._get(Roster, "roster", ROSTER_ID)
        else:
            roster = Roster.start(by=By(actor, at))
        added, changes, removed = roster.diff(people)
        ids = ([p.employee_id for p in added], sorted({c.employee_id for c in changes}), removed)
        if dry_run:
            return RosterImport(
                *ids, cases_moved=0, cases_withdrawn=0, version=roster.version, dry_run=True
            )
        if removed and not allow_removals:
            raise errors.RemovalsNeedConsent(
                "allow_removals",
                f"the file leaves out {len(removed)} people on the roster "
                f"({', '.join(removed[:5])}{', ...' if len(removed) > 5 else ''}): "
                "import with allow_removals to remove them and withdraw their open cases",
            )
        # Whose case may change hands: the people added, those with a new manager or HR
        # partner, and the reports of those with a new manager (a new skip-level).
        candidates = {p.employee_id for p in added} | {
            c.employee_id for c in changes if c.field in ("manager_id", "hr_partner_id")
        }
        for change in changes:
            if change.field == "manager_id":
                candidates.update(roster.direct_reports(change.employee_id))
        before = {e: roster.ties(e) for e in candidates}
        digest = hashlib.sha256(_PEOPLE.dump_json(list(people)))
        by = By(actor, at, idempotency_key, fingerprint=digest.hexdigest()[:24])
        roster.import_people(people=people, source=source, by=by)
        if roster.pending_events:
            self._store(roster)
            self.roster_writes += 1
        moved = self._move_cases(roster, before, actor=actor, at=at, batch_size=batch_size)
        deactivated = [c.employee_id for c in changes if c.field == "active" and c.new is False]
        leavers = [*removed, *deactivated]
        withdrawn = self._withdraw(leavers, by=By(actor, at), batch_size=batch_size)
        return RosterImport(
            *ids, cases_moved=moved, cases_withdrawn=withdrawn, version=roster.version
        )

    def _withdraw(self, removed: Sequence[str], *, by: By, batch_size: int) -> int:
        """Close the open cases of people no longer on the roster, as withdrawn."""
        withdrawn = 0
        for cycle in (c for c in self.list_cycles() if c.is_open):
            gone = [e for e in removed if e in cycle.enrolled_set]
            for batch in batches(gone, batch_size):
                cases = [self.case_for(cycle.id, e) for e in batch]
                closing = [c for c in cases if c.close(outcome=CaseOutcome.WITHDRAWN, by=by)]
                if closing:
                    self._store(*self._with_items_closed(closing, by))
                withdrawn += len(closing)
        return withdrawn

    def _move_cases(
        self,
        roster: Roster,
        before: dict[str, tuple[str, str | None, str | None] | None],
        *,
        actor: str,
        at: datetime,
        batch_size: int,
    ) -> int:
        changed = {
            e: after
            for e in before
            if (ties := roster.ties(e)) is not None
            and before.get(e) != ties
            and (after := roster.participants(e)) is not None
        }
        moved = 0
        if not changed:
            return moved
        for cycle in self.list_cycles():
            if not cycle.is_open:
                continue
            enrolled = [e for e in changed if e in cycle.enrolled_set]
            for batch in batches(enrolled, batch_size):
                cases = [self.case_for(cycle.id, e) for e in batch]
                for case in cases:
                    if not case.is_closed:
                        follow = FollowRoster(participants=changed[case.employee_id])
                        follow.apply(case, By(actor, at))
                moving = [c for c in cases if c.pending_events]
                if moving:
                    self._store(*moving)
                moved += len(moving)
        return moved
