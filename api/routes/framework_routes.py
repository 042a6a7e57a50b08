"""The career framework: HR imports it (CSV, JSON or YAML); everyone signed in reads it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api import access
from api.deps import App, CurrentUser, DryRun, IdempotencyKey, Now
from api.framework_files import read_framework
from api.problems import PROBLEM_RESPONSES
from api.row_files import recorded_as, row_file_body, uploaded
from api.schemas.framework_public import FrameworkImportPublic, FrameworkPublic

router = APIRouter(prefix="/framework", tags=["career framework"], responses=PROBLEM_RESPONSES)


@router.get("", summary="The career framework (the current version, or the one named)")
def get_framework(
    application: App,
    version: Annotated[int | None, Query(ge=1, le=100_000, description="a past version")] = None,
) -> FrameworkPublic:
    book = application.get_framework_book()
    return FrameworkPublic.of(book.at(version), len(book.versions))


@router.post(
    "/import",
    summary="Import the career framework (CSV, JSON or YAML), validated as a whole",
    description=(
        "The body is the framework file, one row per expectation with the columns track,"
        " level, competency, expectation: `text/csv`; `application/json` or"
        ' `application/yaml` (a list of rows, or `{"expectations": [...]}`). Levels are'
        " ordered as the file first names them within their track. Every problem is"
        " reported with its row number and nothing is imported. An import that changes"
        " something is a new version; open cases keep the version they opened with."
        " `dry_run=true` reports the differences and writes nothing."
    ),
    openapi_extra=row_file_body("Cell"),
)
async def import_framework(
    request: Request,
    caller: CurrentUser,
    application: App,
    now: Now,
    idempotency_key: IdempotencyKey = None,
    dry_run: DryRun = False,
) -> FrameworkImportPublic:
    access.require_hr_admin(caller, "import the career framework")
    content, media_type = await uploaded(request)
    framework = await run_in_threadpool(lambda: read_framework(content, media_type))
    result = await run_in_threadpool(
        lambda: application.import_framework(
            framework, dry_run=dry_run, **recorded_as(caller, media_type, now, idempotency_key)
        )
    )
    return FrameworkImportPublic.of(result)
