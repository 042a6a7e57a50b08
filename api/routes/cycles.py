"""Cycles: HR admins create, open and close them; everyone may read them."""

from __future__ import annotations

from collections import Counter
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from fastapi import APIRouter, Body, status
from fastapi.concurrency import run_in_threadpool

from api import access
from api.deps import App, CurrentUser, IdempotencyKey, Now, RosterDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.cycles import (
    BatchPublic,
    CycleCreate,
    CycleOpen,
    CyclePublic,
    CycleStatusPublic,
    PolicyUpdate,
)
from domain import errors
from domain.application import CareerFlow
from domain.case import case_id_for
from domain.roster import Roster
from domain.values import Participants

router = APIRouter(prefix="/cycles", tags=["cycles"], responses=PROBLEM_RESPONSES)


def cycle_id_for_key(key: str | None) -> UUID:
    """A retried create (same Idempotency-Key) names the same cycle."""
    return uuid4() if key is None else uuid5(NAMESPACE_URL, f"careerflow:cycle:{key}")


@router.get("", summary="Every cycle, oldest first")
def list_cycles(caller: CurrentUser, application: App) -> list[CyclePublic]:
    return [CyclePublic.of(c) for c in application.list_cycles()]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a cycle (HR admin)")
def create_cycle(
    body: CycleCreate,
    caller: CurrentUser,
    application: App,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CyclePublic:
    access.require_hr_admin(caller, "create a cycle")
    cycle = application.create_cycle(
        cycle_id=cycle_id_for_key(idempotency_key),
        name=body.name,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        okr_planning_on=body.okr_planning_on,
        policy=body.policy,
        actor=caller.employee_id,
        at=now,
    )
    return CyclePublic.of(cycle)


@router.get("/{cycle_id}", summary="One cycle")
def get_cycle(cycle_id: UUID, caller: CurrentUser, application: App) -> CyclePublic:
    return CyclePublic.of(application.get_cycle(cycle_id))


@router.post("/{cycle_id}/policy", summary="Amend a draft cycle's policy (HR admin)")
def amend_policy(
    cycle_id: UUID,
    body: PolicyUpdate,
    caller: CurrentUser,
    application: App,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> CyclePublic:
    access.require_hr_admin(caller, "amend a cycle's policy")
    cycle = application.amend_policy(
        cycle_id,
        policy=body.policy,
        actor=caller.employee_id,
        at=now,
        idempotency_key=idempotency_key,
    )
    return CyclePublic.of(cycle)


def population(roster: Roster, selection: CycleOpen) -> list[Participants]:
    people = roster.population(selection.employee_ids, selection.departments)
    if not people:
        raise errors.InvalidCommand(
            "employee_ids", "nobody to enrol: import a roster (employees with a manager) first"
        )
    return people


@router.post("/{cycle_id}/open", summary="Open the cycle: a case per enrolled employee (HR admin)")
async def open_cycle(
    cycle_id: UUID,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    body: Annotated[CycleOpen | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> BatchPublic:
    """Running it again enrols people added to the roster since (and nobody twice)."""
    access.require_hr_admin(caller, "open a cycle")
    people = population(roster, body or CycleOpen())
    result = await run_in_threadpool(
        lambda: application.open_cycle(
            cycle_id, population=people, actor=caller.employee_id, at=now
        )
    )
    return BatchPublic(changed=result.changed, unchanged=result.unchanged)


@router.post("/{cycle_id}/close", summary="Close every case with its outcome, then the cycle")
async def close_cycle(
    cycle_id: UUID,
    caller: CurrentUser,
    application: App,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> BatchPublic:
    access.require_hr_admin(caller, "close a cycle")
    result = await run_in_threadpool(
        lambda: application.close_cycle(cycle_id, actor=caller.employee_id, at=now)
    )
    return BatchPublic(changed=result.changed, unchanged=result.unchanged)


def phase_counts(application: CareerFlow, cycle_id: UUID) -> dict[str, int]:
    cycle = application.get_cycle(cycle_id)
    counts = Counter(
        application.get_case(case_id_for(cycle.id, e)).phase.value for e in cycle.enrolled
    )
    return dict(sorted(counts.items()))


@router.get("/{cycle_id}/status", summary="Cases per phase (HR admins and auditors)")
def cycle_status(cycle_id: UUID, caller: CurrentUser, application: App) -> CycleStatusPublic:
    access.require_reader_of_everything(caller, "see a cycle's status")
    return CycleStatusPublic(
        cycle=CyclePublic.of(application.get_cycle(cycle_id)),
        phases=phase_counts(application, cycle_id),
    )
