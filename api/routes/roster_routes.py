"""The roster: HR imports it (CSV or JSON); people see the part of it that concerns them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api import access
from api.deps import App, CurrentUser, DryRun, IdempotencyKey, Now, RosterDep
from api.problems import PROBLEM_RESPONSES
from api.roster_files import parse_roster
from api.row_files import recorded_as, row_file_body, uploaded
from api.schemas.roster_public import PersonPublic, RosterImportPublic, RosterPublic
from domain import errors

router = APIRouter(prefix="/roster", tags=["roster"], responses=PROBLEM_RESPONSES)


@router.get("", summary="The roster entries you may see (everyone, for HR admins and auditors)")
def list_roster(caller: CurrentUser, roster: RosterDep) -> RosterPublic:
    if caller.sees_everything:
        people = list(roster.people.values())
    else:
        people = [roster.people[e] for e in roster.visible_to(caller.employee_id)]
    return RosterPublic(
        version=roster.version,
        employees=[PersonPublic.model_validate(p.model_dump()) for p in people],
    )


@router.get("/{employee_id}", summary="One roster entry")
def get_person(employee_id: str, caller: CurrentUser, roster: RosterDep) -> PersonPublic:
    person = roster.get(employee_id)
    if person is None or not access.can_see_employee(caller, roster, employee_id):
        raise errors.NotFound("employee", employee_id)
    return PersonPublic.model_validate(person.model_dump())


@router.post(
    "/import",
    summary="Import the whole roster (CSV, JSON or YAML), validated as a whole",
    description=(
        "The body is the roster file: `text/csv` with the columns employee_id, name, email,"
        " manager_id, department, hr_partner_id and optionally timezone, track, level, locale;"
        ' `application/json` or `application/yaml` (a list of rows, or `{"employees": [...]}`).'
        " Every problem is reported with its row"
        " number and nothing is imported. A re-import records what changed; open cases move to"
        " a new manager, skip-level or HR partner. `dry_run=true` reports the changes and"
        " writes nothing; an import that leaves people out is refused unless"
        " `allow_removals=true`, which removes them and closes their open cases as withdrawn."
    ),
    openapi_extra=row_file_body("PersonPublic"),
)
async def import_roster(
    request: Request,
    caller: CurrentUser,
    application: App,
    now: Now,
    idempotency_key: IdempotencyKey = None,
    dry_run: DryRun = False,
    allow_removals: Annotated[
        bool, Query(description="consent to removing people the file leaves out")
    ] = False,
) -> RosterImportPublic:
    access.require_hr_admin(caller, "import the roster")
    content, media_type = await uploaded(request)
    # Reading and checking 100,000 rows takes about a second: not on the event loop.
    people = await run_in_threadpool(
        lambda: application.checked_roster(parse_roster(content, media_type))
    )
    result = await run_in_threadpool(
        lambda: application.import_roster(
            people,
            dry_run=dry_run,
            allow_removals=allow_removals,
            **recorded_as(caller, media_type, now, idempotency_key),
        )
    )
    return RosterImportPublic.of(result)
