"""Absences: record one (for yourself, or as HR for someone), list them, end one early.

While an absence lasts, what is addressed to the absent person goes to their delegate
(or up the ladder), the delegate takes their steps on their behalf, and the absent
employee's own deadlines move (``domain/absences.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from api import access
from api.deps import App, CurrentUser, IdempotencyKey, Now, RosterDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.absence_public import AbsenceIn, AbsencePublic, AbsencesPage
from domain import errors
from domain.values import PersonId

router = APIRouter(prefix="/absences", tags=["absences"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, summary="Record an absence (and who acts for the person)")
async def record_absence(
    body: AbsenceIn,
    caller: CurrentUser,
    roster: RosterDep,
    application: App,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> AbsencePublic:
    employee_id = body.employee_id or caller.employee_id
    access.require_absence_keeper(caller, roster, employee_id)
    absence = await run_in_threadpool(
        lambda: application.record_absence(
            employee_id=employee_id,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            delegate_id=body.delegate_id,
            actor=caller.employee_id,
            at=now,
            idempotency_key=idempotency_key,
        )
    )
    return AbsencePublic.of(absence, now)


@router.get("", summary="A person's absences (yours by default), and whom you act for now")
def list_absences(
    caller: CurrentUser,
    roster: RosterDep,
    now: Now,
    employee_id: Annotated[PersonId | None, Query(description="default: yourself")] = None,
) -> AbsencesPage:
    whose = employee_id or caller.employee_id
    if not access.can_see_employee(caller, roster, whose):
        raise errors.NotFound("employee", whose)
    kept = sorted(roster.absences_of(whose), key=lambda a: a.starts_at, reverse=True)
    return AbsencesPage(
        absences=[AbsencePublic.of(a, now) for a in kept[:100]],
        acting_for=sorted(caller.covers),
    )


@router.post("/{number}/end", summary="End an absence now (everything is restored from now)")
async def end_absence(
    number: Annotated[int, Path(ge=1, le=2**31 - 1)],
    caller: CurrentUser,
    roster: RosterDep,
    application: App,
    now: Now,
) -> AbsencePublic:
    absence = roster.absences.get(number)
    if absence is None:
        raise errors.NotFound("absence", number)
    access.require_absence_keeper(caller, roster, absence.employee_id)
    ended = await run_in_threadpool(
        lambda: application.end_absence(number, actor=caller.employee_id, at=now)
    )
    return AbsencePublic.of(ended, now)
