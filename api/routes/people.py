"""People's personal data: a copy of it on request, and erasure (DESIGN.md §7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api import access
from api.deps import CurrentUser, Now, RosterDep, ServicesDep, available
from api.person_erasure import ErasureReport, erase_person
from api.person_export import PersonExport, export_person
from api.person_growth import growth_of
from api.problems import PROBLEM_RESPONSES
from api.schemas.growth_public import GrowthPublic
from api.sealed_reads import Reason
from domain import errors
from domain.values import PERSON_ID_PATTERN

router = APIRouter(prefix="/people", tags=["people"], responses=PROBLEM_RESPONSES)

EmployeeId = Annotated[str, Path(pattern=PERSON_ID_PATTERN, max_length=128)]


class ErasureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=500,
        description="the request this erasure answers; it stays readable in the audit trail, "
        "so name the request, not the person's data",
    )


@router.get(
    "/{employee_id}/growth",
    summary="A person's ratings per competency cycle by cycle, and their level moves",
)
def growth(
    employee_id: EmployeeId, caller: CurrentUser, services: ServicesDep, roster: RosterDep
) -> GrowthPublic:
    """For the person, the managers above them, their HR partner, HR admins and auditors;
    from the read models (they trail the log by the projector's lag)."""
    if not access.can_see_employee(caller, roster, employee_id):
        raise errors.NotFound("employee", employee_id)
    return growth_of(available(services), services.read_engine, roster, employee_id)


@router.get(
    "/{employee_id}/export",
    summary="Everything careerflow holds about a person, as JSON (the person, or an HR admin)",
)
def export(
    employee_id: EmployeeId,
    caller: CurrentUser,
    services: ServicesDep,
    roster: RosterDep,
    now: Now,
    reason: Reason = None,
) -> PersonExport:
    """What the person may read of it: never another person's private note, and anonymous
    peer feedback without its author. An HR admin's export is a read of the person's data
    (recorded, with the reason owed outside their department)."""
    if caller.employee_id != employee_id and not caller.is_hr_admin:
        raise errors.NotPermitted(
            caller.employee_id, "export a person's data", "the person or an HR admin"
        )
    application = available(services)
    for case in application.cases_of(employee_id):  # recorded before anything is answered
        services.reads.record(caller, roster, case, "export of all their data", reason, now)
    return export_person(application, services.read_engine, employee_id, now)


@router.post(
    "/{employee_id}/erasure",
    summary="Erase a person's personal data (HR admin): the audit trail stays, the texts go",
)
def erase(
    employee_id: EmployeeId,
    body: ErasureRequest,
    caller: CurrentUser,
    services: ServicesDep,
    now: Now,
) -> ErasureReport:
    """Destroys the person's data key and scrubs every copy: their cases still load and
    replay, showing every event with actor, time and type and ``[erased]`` where their
    text was; reports still count them. Repeating it changes nothing."""
    access.require_hr_admin(caller, "erase a person's personal data")
    return erase_person(
        available(services),
        services.read_engine,
        services.outbox,
        employee_id,
        reason=body.reason,
        actor=caller.employee_id,
        at=now,
    )
