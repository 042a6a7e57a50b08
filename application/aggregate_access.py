"""Loading and saving aggregates: what every part of the application service shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, StoredEvent

from application.batch_writing import concurrent_write
from application.personal_data import DataKeys, saving
from domain import errors
from domain.action_item import ActionItem
from domain.base import SYSTEM_ACTOR, By, CareerAggregate
from domain.case import DevelopmentCase, case_id_for
from domain.cycle import CATALOG_ID, Cycle, CycleCatalog
from domain.framework import FRAMEWORK_ID, FrameworkBook
from domain.roster import ROSTER_ID

T = TypeVar("T", bound=CareerAggregate)

SHARED_IDS = frozenset({ROSTER_ID, FRAMEWORK_ID})
"""The company-wide aggregates every request reads (``_shared``)."""


class AggregateAccess(Application[UUID]):
    """Get an aggregate by kind (``NotFound`` otherwise), save several in one transaction."""

    data_keys: DataKeys
    """Each person's data key (set by ``CareerFlow``; ``application/personal_data.py``)."""

    def _get(self, kind: type[T], label: str, aggregate_id: UUID, version: int | None = None) -> T:
        """The aggregate (as of ``version``: its events up to that one), else ``NotFound``."""
        try:
            aggregate: CareerAggregate = self.repository.get(aggregate_id, version=version)
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
        with saving({a.id: a.data_subject for a in aggregates}):
            self._record_and_notify(processing)
        self._keep_shared(aggregates)

    def _keep_shared(self, aggregates: Sequence[CareerAggregate]) -> None:
        """A company-wide aggregate just saved is what its next reader wants: kept in the
        cache. eventsourcing keeps saved aggregates only when it does not fast-forward, so
        the first request after a 100,000-person import read the roster back from the
        store (three seconds). What was saved is a copy nobody else holds (``_get``)."""
        cache = self.repository.cache
        if cache is not None:
            for aggregate in aggregates:
                if aggregate.id in SHARED_IDS:
                    cache.put(aggregate.id, aggregate)

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

    def get_cycle(self, cycle_id: UUID) -> Cycle:
        return self._get(Cycle, "cycle", cycle_id)

    def list_cycles(self) -> list[Cycle]:
        """Every cycle, oldest first."""
        if not self._exists(CATALOG_ID):
            return []
        catalog = self._get(CycleCatalog, "cycle catalog", CATALOG_ID)
        return [self.get_cycle(cycle_id) for cycle_id in catalog.cycle_ids]

    def _shared(self, aggregate_id: UUID, empty: Callable[[By], T]) -> T:
        """A company-wide aggregate read by every request (the roster, the framework):
        the cached one itself, brought up to date by one query for newer events, not a
        copy (nothing may change what this returns; a change works on a copy). While one
        thread catches up, the others read it as it is instead of queueing behind it.
        Before it exists: ``empty``, not saved."""
        try:
            found: T = self.repository.get(
                aggregate_id, deepcopy_from_cache=False, fastforward_skipping=True
            )
        except AggregateNotFoundError:
            return empty(By(SYSTEM_ACTOR, datetime(1970, 1, 1).astimezone()))
        return found

    def get_framework_book(self) -> FrameworkBook:
        """Every version of the career framework (versions never change once imported)."""
        return self._shared(FRAMEWORK_ID, lambda by: FrameworkBook.start(by=by))

    def get_case(self, case_id: UUID) -> DevelopmentCase:
        return self._get(DevelopmentCase, "case", case_id)

    def case_for(self, cycle_id: UUID, employee_id: str) -> DevelopmentCase:
        return self.get_case(case_id_for(cycle_id, employee_id))

    def _with_items_closed(self, cases: Sequence[DevelopmentCase], by: By) -> list[CareerAggregate]:
        """Closed cases and their open action items, cancelled with them (saved together)."""
        items = [self.get_action_item(i) for case in cases for i in case.action_item_ids]
        return [*cases, *(item for item in items if item.close_with_case(by=by))]

    def get_action_item(self, item_id: UUID) -> ActionItem:
        return self._get(ActionItem, "action item", item_id)
