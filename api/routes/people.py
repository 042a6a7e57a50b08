"""People's personal data: erasure (DESIGN.md §7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api import access
from api.deps import CurrentUser, Now, ServicesDep, available
from api.erasure import ErasureReport, erase_person
from api.problems import PROBLEM_RESPONSES
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
