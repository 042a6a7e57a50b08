"""The application service: a command for every step, and the history queries.

It loads aggregates, lets them decide, and saves what they decided in one
transaction. It never reads a clock: every command takes the acting person and
the occurred-at time. Persistence is chosen by the environment it is given
(the composition root passes eventsourcing's postgres settings).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from copy import deepcopy
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, StoredEvent
from pydantic import TypeAdapter

from domain import errors
from domain.action_item import ActionItem, CaseContext
from domain.base import SYSTEM_ACTOR, By, CareerAggregate
from domain.batch_writing import PipelinedWriter, batches, concurrent_write
from domain.case import DevelopmentCase, case_id_for
from domain.commands import CaseCommand, ItemCommand, require_who
from domain.cycle import CATALOG_ID, Cycle, CycleCatalog, CycleStatus, check_population
from domain.history import HistoryQueries
from domain.outcomes import (
    Authorize,
    BatchResult,
    Executed,
    ProgressCallback,
    RosterImport,
)
from domain.roster import ROSTER_ID, Person, Roster
from domain.transcoding import TypedMapper, register_value_transcodings
from domain.values import (
    CaseOutcome,
    Participants,
    Policy,
)

T = TypeVar("T", bound=CareerAggregate)

DEFAULT_BATCH_SIZE = 500
"""Cases saved per transaction when a cycle opens or closes."""


_PEOPLE = TypeAdapter(list[Person])
"""Serialises a whole roster in one call (for the import's fingerprint)."""


class CareerFlow(HistoryQueries, Application[UUID]):
    """careerflow's event-sourced application."""

    name = "careerflow"
    roster_imports = 0
    """Roster imports this process has saved (so readers holding a roster know it changed)."""
    env = {
        "AGGREGATE_CACHE_MAXSIZE": "2000",
    }

    def construct_mapper(self) -> Mapper[UUID]:
        """Rows in the typed format (``TypedMapper``); the tagged ones still read."""
        return TypedMapper(self.construct_transcoder())

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    # --- loading and saving ------------------------------------------------------

    def _get(self, kind: type[T], label: str, aggregate_id: UUID) -> T:
        try:
            aggregate: CareerAggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise errors.NotFound(label, aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise errors.NotFound(label, aggregate_id)
        return aggregate

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(list(self.events.get(aggregate_id, limit=1)))

    def _store(self, *aggregates: CareerAggregate) -> None:
        """Save in one transaction; a version clash means someone else wrote first.

        This is ``Application.save`` without its per-object runtime-protocol checks,
        which cost more than the insert itself when a cycle opens thousands of cases.
        """
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        self._record_and_notify(processing)

    def _insert_stored(self, stored: Sequence[StoredEvent]) -> None:
        """Insert rows already mapped (new cases nobody holds in memory), in one transaction."""
        try:
            self.recorder.insert_events(stored)
        except IntegrityError as exc:
            raise concurrent_write([s.originator_id for s in stored]) from exc

    def _record_and_notify(self, processing: ProcessingEvent[UUID]) -> None:
        try:
            recordings = self._record(processing)
        except IntegrityError as exc:
            raise concurrent_write([e.originator_id for e in processing.events]) from exc
        self._take_snapshots(processing)
        self._notify(recordings)

    # --- cycles -------------------------------------------------------------------

    def create_cycle(
        self,
        *,
        cycle_id: UUID,
        name: str,
        opens_at: datetime,
        closes_at: datetime,
        okr_planning_on: date | None = None,
        policy: Policy | None = None,
        actor: str,
        at: datetime,
    ) -> Cycle:
        """Create a cycle; creating the same cycle again (same id, same definition) is a no-op."""
        policy = policy or Policy()
        if self._exists(cycle_id):
            existing = self.get_cycle(cycle_id)
            if existing.same_definition(name, opens_at, closes_at, okr_planning_on, policy):
                return existing
            raise errors.IdentityConflict(
                f"cycle {cycle_id} already exists with another definition", id=str(cycle_id)
            )
        cycle = Cycle.create(
            id=cycle_id,
            name=name,
            opens_at=opens_at,
            closes_at=closes_at,
            okr_planning_on=okr_planning_on,
            policy=policy,
            by=By(actor, at),
        )
        catalog = self._catalog(actor=actor, at=at)
        catalog.add(cycle.id, by=By(actor, at))
        self._store(cycle, catalog)
        return cycle

    def _catalog(self, *, actor: str, at: datetime) -> CycleCatalog:
        if self._exists(CATALOG_ID):
            return self._get(CycleCatalog, "cycle catalog", CATALOG_ID)
        return CycleCatalog.start(by=By(actor, at))

    def get_cycle(self, cycle_id: UUID) -> Cycle:
        return self._get(Cycle, "cycle", cycle_id)

    def list_cycles(self) -> list[Cycle]:
        """Every cycle, oldest first."""
        if not self._exists(CATALOG_ID):
            return []
        catalog = self._get(CycleCatalog, "cycle catalog", CATALOG_ID)
        return [self.get_cycle(cycle_id) for cycle_id in catalog.cycle_ids]

    # --- the roster -------------------------------------------------------------------

    def get_roster(self) -> Roster:
        """The roster, to read (an empty one, not yet saved, before the first import).

        Every request asks, so it is the cached roster itself, brought up to date
        by one query for newer events — not a copy: copying 100,000 people per
        request made every request slower the bigger the company. Nothing may
        change what it returns; an import works on a copy (``import_roster``), and
        catching up replaces the roster's maps rather than changing them. While
        one thread catches up, the others read the roster as it is instead of
        queueing behind it (one lock for every request made them take turns).
        """
        try:
            roster: Roster = self.repository.get(
                ROSTER_ID, deepcopy_from_cache=False, fastforward_skipping=True
            )
        except AggregateNotFoundError:
            return Roster.start(by=By(SYSTEM_ACTOR, datetime(1970, 1, 1).astimezone()))
        return roster

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
        Removing people needs ``allow_removals``; their open cases are closed as
        withdrawn. A ``dry_run`` reports the difference and writes nothing.
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
            self.roster_imports += 1
        moved = self._move_cases(roster, before, actor=actor, at=at, batch_size=batch_size)
        withdrawn = self._withdraw(removed, by=By(actor, at), batch_size=batch_size)
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
                moving = [
                    c
                    for c in cases
                    if not c.is_closed
                    and c.change_manager(participants=changed[c.employee_id], by=By(actor, at))
                ]
                moving = [c for c in moving if c.pending_events]
                if moving:
                    self._store(*moving)
                moved += len(moving)
        return moved

    def amend_policy(
        self,
        cycle_id: UUID,
        *,
        policy: Policy,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> Cycle:
        cycle = self.get_cycle(cycle_id)
        if cycle.amend_policy(policy=policy, by=By(actor, at, idempotency_key)):
            self._store(cycle)
        return cycle

    def open_cycle(
        self,
        cycle_id: UUID,
        *,
        population: Sequence[Participants],
        actor: str,
        at: datetime,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback | None = None,
    ) -> BatchResult:
        """Open the cycle and a case per employee, a batch of cases per transaction.

        Re-running it (after a crash, or with new hires added) opens only the cases
        that are missing: the cycle records who is enrolled in the same transaction
        as their cases.
        """
        check_population(population)
        cycle = self.get_cycle(cycle_id)
        cycle.open(by=By(actor, at))
        if not cycle.is_open:
            raise errors.CycleNotOpen("the cycle is not open", current=cycle.status)
        by = By(actor, at)
        changed = 0
        to_row = self.mapper.to_stored_event
        with PipelinedWriter(self._insert_stored, progress) as writer:
            for batch in batches(population, batch_size):
                new_ids = set(cycle.enroll(employee_ids=[p.employee_id for p in batch], by=by))
                opened = [
                    DevelopmentCase.opening(
                        cycle_id=cycle.id,
                        participants=p,
                        policy=cycle.policy,
                        cycle_opens_at=cycle.opens_at,
                        cycle_closes_at=cycle.closes_at,
                        okr_planning_on=cycle.okr_planning_on,
                        by=by,
                    )
                    for p in writer.yielding(batch)
                    if p.employee_id in new_ids
                ]
                rows = [to_row(e) for e in writer.yielding((*cycle.collect_events(), *opened))]
                writer.write(rows, handled=len(batch))
                changed += len(opened)
            writer.write(
                [to_row(e) for e in cycle.collect_events()], handled=0
            )  # opened, with nobody to enrol
        return BatchResult(changed=changed, unchanged=len(population) - changed)

    def close_cycle(
        self,
        cycle_id: UUID,
        *,
        actor: str,
        at: datetime,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback | None = None,
    ) -> BatchResult:
        """Close every open case with its outcome, then the cycle itself.

        Cases first: if this stops half-way, running it again finishes the job.
        """
        cycle = self.get_cycle(cycle_id)
        if cycle.status is CycleStatus.DRAFT:
            raise errors.CycleNotOpen("only an open cycle can be closed", current=cycle.status)
        changed = 0
        for batch in batches(cycle.enrolled, batch_size):
            cases = [self.get_case(case_id_for(cycle.id, e)) for e in batch]
            closing = [c for c in cases if c.close(by=By(actor, at))]
            if closing:
                self._store(*self._with_items_closed(closing, By(actor, at)))
            changed += len(closing)
            if progress is not None:
                progress(len(batch))
        if cycle.close(by=By(actor, at)):
            self._store(cycle)
        return BatchResult(changed=changed, unchanged=len(cycle.enrolled) - changed)

    # --- cases: queries --------------------------------------------------------------

    def get_case(self, case_id: UUID) -> DevelopmentCase:
        return self._get(DevelopmentCase, "case", case_id)

    def case_for(self, cycle_id: UUID, employee_id: str) -> DevelopmentCase:
        return self.get_case(case_id_for(cycle_id, employee_id))

    def _with_items_closed(self, cases: Sequence[DevelopmentCase], by: By) -> list[CareerAggregate]:
        """Closed cases and their open action items, cancelled with them (saved together)."""
        items = [self.get_action_item(i) for case in cases for i in case.action_item_ids]
        return [*cases, *(item for item in items if item.close_with_case(by=by))]

    # --- the one command path -------------------------------------------------------

    def get_action_item(self, item_id: UUID) -> ActionItem:
        return self._get(ActionItem, "action item", item_id)

    def execute(
        self,
        target: UUID,
        command: CaseCommand | ItemCommand,
        *,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
        authorize: Authorize | None = None,
    ) -> Executed:
        """Load the target once, let ``authorize`` look at it, apply the command, save.

        ``target`` is a case id for a case command and an action item id for an item
        command (whose case is loaded too: the roster around it decides who may act).
        Who may take the step is checked before the aggregate looks at its state.
        """
        fingerprint = None if idempotency_key is None else command.fingerprint()
        by = By(actor=actor, at=at, idempotency_key=idempotency_key, fingerprint=fingerprint)
        if isinstance(command, CaseCommand):
            cached = self._cached_case(target)
            if cached is not None:
                try:
                    done = self._execute_on(cached, command, by, authorize)
                except errors.DomainError:
                    pass  # decided on a case that may be behind: decide again below
                else:
                    if done.changed:
                        return done
            return self._execute_on(self.get_case(target), command, by, authorize)
        item = self.get_action_item(target)
        case = self.get_case(item.case_id)
        if authorize is not None:
            authorize(case, item)
        context = CaseContext(
            participants=case.participants,
            cycle_closes_at=case.cycle_closes_at,
            case_closed=case.is_closed,
        )
        command.apply(item, context, by)
        changed = bool(item.pending_events)
        if changed:
            self._store(item)
        return Executed(case=case, item=item, changed=changed)

    def _cached_case(self, case_id: UUID) -> DevelopmentCase | None:
        """A copy of the case as this process last saw it, without asking the database.

        A command decides on it optimistically: the save is refused if anyone wrote
        to the case since (the next version is taken), and then ``execute`` decides
        again on the stored case. Only a saved decision stands on the cached copy;
        a refusal or a no-op is always re-decided on the stored case, so nobody is
        refused because this process was behind. One query per command fewer.
        """
        cache = self.repository.cache
        if cache is None:
            return None
        try:
            cached = cache.get(case_id)
        except KeyError:
            return None
        return deepcopy(cached) if isinstance(cached, DevelopmentCase) else None

    def _execute_on(
        self,
        case: DevelopmentCase,
        command: CaseCommand,
        by: By,
        authorize: Authorize | None,
    ) -> Executed:
        if authorize is not None:
            authorize(case, None)
        require_who(case, command, by.actor)
        created = command.apply(case, by)
        changed = bool(case.pending_events)
        if changed and case.is_closed:
            created = self._with_items_closed([case], by)[1:]
        if changed or created:
            self._store(case, *created)
            self._remember(case)
        return Executed(case=case, item=None, changed=changed, created=tuple(created))

    def _remember(self, case: DevelopmentCase) -> None:
        """Keep the case just saved in the cache, so the next command on it needs no query."""
        cache = self.repository.cache
        if cache is None:
            return
        try:
            known = cache.get(case.id).version
        except KeyError:
            known = 0
        if known < case.version:
            cache.put(case.id, deepcopy(case))
