"""Cycles: HR admins create, open and close them; everyone may read them."""

from __future__ import annotations

from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from fastapi import APIRouter, Body, status
from fastapi.concurrency import run_in_threadpool

from api import access
from api.deps import App, CurrentUser, IdempotencyKey, Now, RosterDep, ServicesDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.cycle_public import (
    BatchPublic,
    CycleCreate,
    CycleOpen,
    CyclePublic,
    CycleStatusPublic,
    PolicyUpdate,
)
from projections.report_queries import phase_counts

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
    selection = body or CycleOpen()
    people = roster.enrolment(selection.employee_ids, selection.departments)
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


@router.get("/{cycle_id}/status", summary="Cases per phase (HR admins and auditors)")
def cycle_status(
    cycle_id: UUID, caller: CurrentUser, application: App, services: ServicesDep
) -> CycleStatusPublic:
    """Counts come from the case-status read model (seconds behind the log at most)."""
    access.require_reader_of_everything(caller, "see a cycle's status")
    cycle = application.get_cycle(cycle_id)
    with services.read_engine.connect() as conn:
        phases = phase_counts(conn, cycle_id)
    return CycleStatusPublic(cycle=CyclePublic.of(cycle), phases=phases)
