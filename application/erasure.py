"""Erasing a person's personal data, or a cycle's when its retention passes, and sealing
rows written before sealing existed.

An erasure records its events (the roster's ``PersonErased``, and ``PersonalDataErased``
on each of the person's cases and action items), then destroys the person's data key.
The log stays whole: every event still loads and replays, its personal strings read as
erased, and the events recorded in memory scrub any copy a process holds. Rows stored
before personal fields were sealed are sealed first, so nothing of the person is left
readable in the log. Read models scrub themselves when they reach ``PersonErased``;
the inbox, the outbox and the other copies are the caller's (``api/person_erasure.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.batch_writing import batches
from application.cycle_runs import DEFAULT_BATCH_SIZE
from application.personal_data import saving
from application.roster_imports import RosterImports
from application.transcoding import SEALED_PREFIX
from domain import errors
from domain.action_item import ActionItem
from domain.base import SYSTEM_ACTOR, By, CareerAggregate
from domain.case import DevelopmentCase, case_id_for
from domain.personal import case_subject
from domain.roster import ROSTER_ID


@dataclass(frozen=True)
class Erasure:
    employee_id: str
    erased_at: datetime
    case_ids: tuple[UUID, ...]
    action_item_ids: tuple[UUID, ...]
    rows_sealed: int


class PersonalDataErasure(RosterImports):
    def cases_of(self, employee_id: str) -> list[DevelopmentCase]:
        """The person's own cases, in every cycle."""
        ids = [case_id_for(cycle.id, employee_id) for cycle in self.list_cycles()]
        return [self.get_case(i) for i in ids if self._exists(i)]

    def erase_person(self, employee_id: str, *, reason: str, actor: str, at: datetime) -> Erasure:
        """Record the erasure and destroy the person's key (again: nothing more happens)."""
        roster = self.get_roster()
        cases = self.cases_of(employee_id)
        known = employee_id in roster.people or employee_id in roster.erased
        if not known and not cases:
            raise errors.NotFound("person", employee_id)
        items = [self.get_action_item(i) for case in cases for i in case.action_item_ids]
        aggregates: list[CareerAggregate] = [*cases, *items]
        sealed = self.seal_stored([ROSTER_ID, *(a.id for a in aggregates)])
        roster = self._get(type(roster), "roster", ROSTER_ID)
        by = By(actor, at)
        roster.erase_person(employee_id=employee_id, reason=reason, by=by)
        for aggregate in aggregates:
            assert isinstance(aggregate, DevelopmentCase | ActionItem)
            aggregate.erase_personal_data(by=by)
        self._store(roster, *aggregates)
        self.roster_writes += 1
        self.data_keys.erase(employee_id, at)
        return Erasure(
            employee_id,
            at,
            tuple(c.id for c in cases),
            tuple(i.id for i in items),
            sealed,
        )

    def expire_cycle_data(
        self,
        cycle_id: UUID,
        *,
        at: datetime,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """The cycle's retention has passed: erase the personal data of every case in it
        (their keys for this cycle destroyed); how many cases. Again: nothing more."""
        cycle = self.get_cycle(cycle_id)
        by = By(SYSTEM_ACTOR, at)
        if not cycle.expire_data(cases=len(cycle.enrolled), by=by):
            return 0
        done = 0
        for batch in batches(cycle.enrolled, batch_size):
            ids = [case_id_for(cycle_id, e) for e in batch]
            cases = [self.get_case(i) for i in ids if self._exists(i)]
            items = [self.get_action_item(i) for case in cases for i in case.action_item_ids]
            self.seal_stored([*(c.id for c in cases), *(i.id for i in items)])
            for case in cases:
                case.erase_personal_data(by=by)
            for item in items:
                item.erase_personal_data(by=by)
            self._store(*cases, *items)
            for case in cases:
                self.data_keys.erase(case_subject(case.employee_id, cycle_id), at)
            done += len(cases)
            if progress is not None:
                progress(done)
        self._store(cycle)
        return done

    def seal_stored(self, aggregate_ids: Iterable[UUID]) -> int:
        """Seal the personal strings of rows stored before sealing existed (in place: the
        same event, its personal strings now encrypted); how many rows changed."""
        replace = getattr(self.recorder, "replace_states", None)
        if replace is None:  # eventsourcing's in-memory store: nothing was stored clear
            return 0
        again: list[StoredEvent] = []
        for aggregate_id in aggregate_ids:
            if not self._exists(aggregate_id):
                continue
            held: CareerAggregate = self.repository.get(aggregate_id)
            subject = held.data_subject
            for stored in self.recorder.select_events(aggregate_id):
                if stored.state.startswith(SEALED_PREFIX):
                    continue
                with saving({aggregate_id: subject}):
                    row = self.mapper.to_stored_event(self.mapper.to_domain_event(stored))
                if row.state.startswith(SEALED_PREFIX):
                    again.append(row)
        replace(again)
        return len(again)

    def positions_of(self, aggregate_ids: Sequence[UUID]) -> list[int]:
        """The notification ids of these aggregates' events (the log's positions)."""
        find = getattr(self.recorder, "positions_of", None)
        return [] if find is None else list(find(aggregate_ids))

    def unsealed_aggregates(self) -> Sequence[UUID]:
        """Every aggregate with a row stored before sealing existed (to seal them all)."""
        find = getattr(self.recorder, "unsealed_originators", None)
        return [] if find is None else list(find(SEALED_PREFIX))
