"""The career framework's pages: the grid (everyone), its import (HR admins, after a
preview), and a person's growth (whoever may see them).

The same parser, validation and application calls as the API's routes
(``api.routes.framework``, ``GET /people/{id}/growth``).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api import access
from api.auth import Caller
from api.deps import App, Now, RosterDep, ServicesDep
from api.framework_files import read_framework
from api.limits import MAX_FRAMEWORK_BODY
from api.pages.previewed_imports import preview_or_import
from api.pages.render import refused, render
from api.pages.session import CsrfChecked, PageCaller
from api.person_growth import growth_of
from api.schemas.framework_public import FrameworkImportPublic
from domain import errors
from domain.roster import Roster

router = APIRouter(include_in_schema=False)

FORMATS = {"csv": "text/csv", "yaml": "application/yaml", "json": "application/json"}


@router.get("/framework")
def framework_page(
    request: Request, caller: PageCaller, application: App, roster: RosterDep, now: Now
) -> Response:
    book = application.get_framework_book()
    return render(request, "framework.html", caller=caller, roster=roster, now=now,
                  framework=book.current, versions=len(book.versions), preview=None,
                  text="", format="csv", problem=None, imported=None,
                  placed=placed(caller, roster))  # fmt: skip


def placed(caller: Caller, roster: Roster) -> dict[tuple[str, str], int] | None:
    """How many people the roster places at each track and level (HR and auditors)."""
    if not caller.sees_everything:
        return None
    counts: Counter[tuple[str, str]] = Counter(
        (p.track, p.level or "") for p in roster.people.values() if p.track
    )
    return dict(counts)


@router.post("/framework")
async def framework_import(
    request: Request,
    _: CsrfChecked,
    caller: PageCaller,
    roster: RosterDep,
    application: App,
    now: Now,
    text: Annotated[str, Form(max_length=MAX_FRAMEWORK_BODY)] = "",
    format: Annotated[str, Form(max_length=10)] = "csv",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Without ``confirm``: the differences (nothing written). With it: the new version."""
    media = FORMATS.get(format, "text/csv")

    def run(dry_run: bool) -> FrameworkImportPublic:
        framework = read_framework(text, media)
        return FrameworkImportPublic.of(
            application.import_framework(
                framework, source=f"pages:{media}", actor=caller.employee_id, at=now,
                dry_run=dry_run,
            )
        )  # fmt: skip

    try:
        done = await preview_or_import(caller, "import the career framework", bool(confirm), run)
    except errors.NotPermitted as error:
        return refused(request, caller, roster, now, error)
    book = application.get_framework_book()
    return render(request, "framework.html", caller=caller, roster=roster, now=now,
                  status_code=done.status, framework=book.current,
                  versions=len(book.versions), preview=done.preview,
                  text="" if done.imported else text, format=format, problem=done.problem,
                  imported=done.imported, placed=placed(caller, roster))  # fmt: skip


@router.get("/growth")
def my_growth(caller: PageCaller) -> RedirectResponse:
    return RedirectResponse(f"/people/{caller.employee_id}/growth", status_code=303)


@router.get("/people/{employee_id}/growth")
def growth_page(
    request: Request,
    employee_id: str,
    caller: PageCaller,
    application: App,
    roster: RosterDep,
    services: ServicesDep,
    now: Now,
) -> Response:
    if not access.can_see_employee(caller, roster, employee_id):
        return refused(request, caller, roster, now, errors.NotFound("employee", employee_id))
    growth = growth_of(application, services.read_engine, roster, employee_id)
    person = roster.get(employee_id)
    name = person.name if person else employee_id
    cycles: dict[str, str] = {}
    for competency in growth.competencies:
        for entry in competency.cycles:
            cycles.setdefault(str(entry.cycle_id), entry.cycle_name)
    return render(request, "growth.html", caller=caller, roster=roster, now=now,
                  growth=growth, name=name, cycles=cycles)  # fmt: skip
