"""Cycle: HR's container for one round of career conversations.

A cycle is drafted (its policy can still be amended), opened (the policy is
frozen and every enrolled employee gets a case), and closed. The cycle records
who was enrolled, in batches, so opening a large population can resume after an
interruption without creating a case twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import errors
from domain.base import By, CareerAggregate, Decision, command, require_aware
from domain.values import Participants, Policy

EARLIEST_OPENING = timedelta(days=366)
"""A cycle may open at most a year before it is created (catching up on one under way)."""
LATEST_CLOSING = timedelta(days=5 * 366)
"""A cycle may close at most five years after it is created."""
LONGEST = timedelta(days=3 * 366)
"""A cycle lasts at most three years."""


class CycleStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Cycle(CareerAggregate):
    class CycleCreated(CareerAggregate.Created):
        name: str
        opens_at: datetime
        closes_at: datetime
        okr_planning_on: date | None
        policy: Policy

        def apply(self, cycle: Cycle) -> None:
            cycle.name = self.name
            cycle.opens_at = self.opens_at
            cycle.closes_at = self.closes_at
            cycle.okr_planning_on = self.okr_planning_on
            cycle.policy = self.policy

    class PolicyAmended(CareerAggregate.Event):
        policy: Policy

        def apply(self, cycle: Cycle) -> None:
            cycle.policy = self.policy

    class CycleOpened(CareerAggregate.Event):
        policy: Policy

        def apply(self, cycle: Cycle) -> None:
            cycle.status = CycleStatus.OPEN
            cycle.opened_at = self.timestamp

    class PopulationEnrolled(CareerAggregate.Event):
        employee_ids: list[str]

        def apply(self, cycle: Cycle) -> None:
            cycle.enrolled.extend(self.employee_ids)
            cycle.enrolled_set.update(self.employee_ids)

    class CycleClosed(CareerAggregate.Event):
        def apply(self, cycle: Cycle) -> None:
            cycle.status = CycleStatus.CLOSED
            cycle.closed_at = self.timestamp

    class CycleDataExpired(CareerAggregate.Event):
        """The retention period passed: the personal data of ``cases`` cases was erased."""

        cases: int

        def apply(self, cycle: Cycle) -> None:
            cycle.data_expired_at, cycle.expired_cases = self.timestamp, self.cases

    def __init__(self) -> None:
        super().__init__()
        self.data_expired_at: datetime | None = None
        self.expired_cases = 0
        self.name: str
        self.opens_at: datetime
        self.closes_at: datetime
        self.okr_planning_on: date | None = None
        self.policy: Policy
        self.status = CycleStatus.DRAFT
        self.opened_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.enrolled: list[str] = []
        self.enrolled_set: set[str] = set()

    @property
    def data_expires_at(self) -> datetime | None:
        """When the cases' personal data is erased (the policy's retention after closing)."""
        if self.closed_at is None or self.policy.retention is None:
            return None
        return self.closed_at + self.policy.retention

    @command(CycleDataExpired)
    def expire_data(self, *, cases: int, by: By) -> Decision:
        if self.data_expired_at is not None:
            return None
        expires = self.data_expires_at
        if expires is None or by.at < expires:
            raise errors.InvalidCommand("retention", "the cycle's retention period has not passed")
        return {"cases": cases}

    @classmethod
    def create(
        cls,
        id: UUID,
        name: str,
        opens_at: datetime,
        closes_at: datetime,
        okr_planning_on: date | None,
        policy: Policy,
        *,
        by: By,
    ) -> Cycle:
        require_aware(by.at)
        cls.check_window(name, opens_at, closes_at, okr_planning_on, now=by.at)
        return cls._create(
            cls.CycleCreated,
            id=id,
            name=name.strip(),
            opens_at=opens_at,
            closes_at=closes_at,
            okr_planning_on=okr_planning_on,
            policy=policy,
            actor=by.actor,
            timestamp=by.at,
            idempotency_key=None,
        )

    @staticmethod
    def check_window(
        name: str,
        opens_at: datetime,
        closes_at: datetime,
        okr_planning_on: date | None,
        *,
        now: datetime,
    ) -> None:
        """The window a cycle may have (``EARLIEST_OPENING``, ``LATEST_CLOSING``, ``LONGEST``)."""
        if not name.strip():
            raise errors.InvalidCommand("name", "a cycle needs a name")
        require_aware(opens_at, "opens_at")
        require_aware(closes_at, "closes_at")
        if closes_at <= opens_at:
            raise errors.InvalidCommand("closes_at", "must be after opens_at")
        if closes_at <= now:
            raise errors.InvalidCommand("closes_at", "has already passed")
        if opens_at < now - EARLIEST_OPENING:
            raise errors.InvalidCommand("opens_at", "may be at most one year in the past")
        if closes_at > now + LATEST_CLOSING:
            raise errors.InvalidCommand("closes_at", "may be at most five years ahead")
        if closes_at - opens_at > LONGEST:
            raise errors.InvalidCommand("closes_at", "a cycle lasts at most three years")
        if okr_planning_on is not None and not (
            opens_at.date() <= okr_planning_on <= closes_at.date()
        ):
            raise errors.OutsideCycle("okr_planning_on", "must fall inside the cycle")

    def same_definition(
        self,
        name: str,
        opens_at: datetime,
        closes_at: datetime,
        okr_planning_on: date | None,
        policy: Policy,
    ) -> bool:
        """Whether a repeated create names this very cycle (then it adds nothing)."""
        return (self.name, self.opens_at, self.closes_at, self.okr_planning_on) == (
            name.strip(),
            opens_at,
            closes_at,
            okr_planning_on,
        ) and (self.policy == policy or self.status is not CycleStatus.DRAFT)

    @property
    def is_open(self) -> bool:
        return self.status is CycleStatus.OPEN

    @command(PolicyAmended)
    def amend_policy(self, *, policy: Policy, by: By) -> Decision:
        """A running cycle keeps the policy it was opened with."""
        if self.status is not CycleStatus.DRAFT:
            raise errors.CycleNotDraft(
                "the policy can only change before the cycle opens", current=self.status
            )
        return {"policy": policy}

    def open(self, *, by: By) -> bool:
        """Open the cycle; opening an open cycle again records nothing."""
        if self.status is CycleStatus.OPEN:
            return False
        if self.status is CycleStatus.CLOSED:
            raise errors.CycleIsClosed("a closed cycle cannot open again", current=self.status)
        if by.at >= self.closes_at:
            raise errors.InvalidCommand("closes_at", "has already passed: the cycle cannot open")
        self._emit(self.CycleOpened, by, policy=self.policy)
        return True

    def enroll(self, *, employee_ids: list[str], by: By) -> list[str]:
        """Record newly enrolled employees; returns those not enrolled before."""
        if not self.is_open:
            raise errors.CycleNotOpen("enrol employees in an open cycle", current=self.status)
        new = [e for e in dict.fromkeys(employee_ids) if e not in self.enrolled_set]
        if new:
            self._emit(self.PopulationEnrolled, by, employee_ids=new)
        return new

    def close(self, *, by: By) -> bool:
        if self.status is CycleStatus.CLOSED:
            return False
        if self.status is CycleStatus.DRAFT:
            raise errors.CycleNotOpen("only an open cycle can be closed", current=self.status)
        self._emit(self.CycleClosed, by)
        return True


CATALOG_ID = uuid5(NAMESPACE_URL, "careerflow:cycles")
"""The one catalog of cycles."""


class CycleCatalog(CareerAggregate):
    """Every cycle ever created, so the service can list them and find the open ones.

    Written in the same transaction as the cycle it lists; cycles are created
    rarely, so one aggregate is no contention.
    """

    class CatalogStarted(CareerAggregate.Created):
        pass

    class CycleListed(CareerAggregate.Event):
        cycle_id: UUID

        def apply(self, catalog: CycleCatalog) -> None:
            catalog.cycle_ids = [*catalog.cycle_ids, self.cycle_id]

    def __init__(self) -> None:
        super().__init__()
        self.cycle_ids: list[UUID] = []

    @classmethod
    def start(cls, *, by: By) -> CycleCatalog:
        return cls._create(
            cls.CatalogStarted, id=CATALOG_ID, actor=by.actor, timestamp=by.at, idempotency_key=None
        )

    def add(self, cycle_id: UUID, *, by: By) -> None:
        if cycle_id not in self.cycle_ids:
            self._emit(self.CycleListed, by, cycle_id=cycle_id)


def check_population(population: Sequence[Participants]) -> None:
    """The population is validated as a whole before anything is written."""
    seen: set[str] = set()
    for i, participant in enumerate(population):
        if participant.employee_id in seen:
            raise errors.DuplicateId(
                f"population[{i}].employee_id",
                f"{participant.employee_id!r} appears more than once",
            )
        seen.add(participant.employee_id)
