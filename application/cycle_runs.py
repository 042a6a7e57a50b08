"""Cycles: create one, amend its policy, open it for a population, close it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from application.aggregate_access import AggregateAccess
from application.batch_writing import PipelinedWriter, batches
from application.outcomes import BatchResult, ProgressCallback
from domain import errors
from domain.base import By
from domain.case import DevelopmentCase, case_id_for
from domain.cycle import CATALOG_ID, Cycle, CycleCatalog, CycleStatus, check_population
from domain.values import Participants, Policy

DEFAULT_BATCH_SIZE = 500
"""Cases saved per transaction when a cycle opens or closes."""


class CycleRuns(AggregateAccess):
    """What HR does with cycles; cases open and close in batches, one transaction each."""

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
        definition = (name, opens_at, closes_at, okr_planning_on, policy)
        if self._exists(cycle_id):
            existing = self.get_cycle(cycle_id)
            if existing.same_definition(*definition):
                return existing
            raise errors.IdentityConflict(
                f"cycle {cycle_id} already exists with another definition", id=str(cycle_id)
            )
        cycle = Cycle.create(cycle_id, *definition, by=By(actor, at))
        catalog = self._catalog(actor=actor, at=at)
        catalog.add(cycle.id, by=By(actor, at))
        self._store(cycle, catalog)
        return cycle

    def _catalog(self, *, actor: str, at: datetime) -> CycleCatalog:
        if self._exists(CATALOG_ID):
            return self._get(CycleCatalog, "cycle catalog", CATALOG_ID)
        return CycleCatalog.start(by=By(actor, at))

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
        framework_version = self.get_framework_book().current.version or None
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
                        framework_version=framework_version,
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
        self._after_opening(cycle.id, population, at)
        return BatchResult(changed=changed, unchanged=len(population) - changed)

    def _after_opening(
        self, cycle_id: UUID, population: Sequence[Participants], at: datetime
    ) -> None:
        """What else opening cases calls for (``Absences``: the absences they must know)."""

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
