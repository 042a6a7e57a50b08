"""Cycles: what HR sends to create one, and what everyone reads back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from domain.cycle import Cycle, CycleStatus
from domain.values import CleanModel, PersonId, Policy


class CycleCreate(CleanModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Career conversations 2027"])
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    okr_planning_on: date | None = Field(None, description="the OKR/KPI planning date, if any")
    policy: Policy = Field(default_factory=Policy, description="deadlines (ISO-8601 durations)")


class PolicyUpdate(CleanModel):
    model_config = ConfigDict(extra="forbid")

    policy: Policy


class CycleOpen(CleanModel):
    """Who to enrol: everyone on the roster with a manager, or a subset."""

    model_config = ConfigDict(extra="forbid")

    employee_ids: list[PersonId] | None = Field(
        None, max_length=200_000, description="only these employees"
    )
    departments: list[Annotated[str, StringConstraints(max_length=200)]] | None = Field(
        None, max_length=1_000, description="only these departments"
    )


class BatchPublic(BaseModel):
    changed: int = Field(description="cases opened or closed by this call")
    unchanged: int = Field(description="cases that were already so")


class CyclePublic(BaseModel):
    id: UUID
    name: str
    status: CycleStatus
    opens_at: datetime
    closes_at: datetime
    okr_planning_on: date | None
    policy: Policy
    opened_at: datetime | None
    closed_at: datetime | None
    enrolled: int
    version: int
    data_expires_at: datetime | None = Field(
        description="when the cases' personal data will be erased (the policy's retention "
        "after the cycle closed); null: no retention, or not closed yet"
    )
    data_expired_at: datetime | None = Field(description="when it was erased")

    @classmethod
    def of(cls, cycle: Cycle) -> CyclePublic:
        return cls(
            id=cycle.id,
            name=cycle.name,
            status=cycle.status,
            opens_at=cycle.opens_at,
            closes_at=cycle.closes_at,
            okr_planning_on=cycle.okr_planning_on,
            policy=cycle.policy,
            opened_at=cycle.opened_at,
            closed_at=cycle.closed_at,
            enrolled=len(cycle.enrolled),
            version=cycle.version,
            data_expires_at=cycle.data_expires_at,
            data_expired_at=cycle.data_expired_at,
        )


class CycleStatusPublic(BaseModel):
    """A cycle and how many of its cases are in each phase (from the event store)."""

    cycle: CyclePublic
    phases: dict[str, int]
