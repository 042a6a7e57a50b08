"""An HR admin's file import on a page: first what would change, then, confirmed, the
import itself (the roster, the career framework)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from api import access
from api.auth import Caller
from domain import errors

ROWS_SHOWN = 50
"""The refused rows a page lists under the error (the API lists them all)."""


@dataclass(frozen=True)
class Previewed:
    preview: Any = None
    imported: Any = None
    problem: str | None = None

    @property
    def status(self) -> int:
        return 422 if self.problem else 200


async def preview_or_import(
    caller: Caller, action: str, confirm: bool, run: Callable[[bool], Any]
) -> Previewed:
    """``run(dry_run)`` off the event loop for an HR admin (anyone else: ``NotPermitted``
    propagates); a refusal becomes the page's problem, with every refused row listed."""
    access.require_hr_admin(caller, action)
    try:
        result = await run_in_threadpool(lambda: run(not confirm))
    except errors.DomainError as error:
        listed = error.details.get("problems", [])[:ROWS_SHOWN]
        rows = [f"row {p['row']}: {p['field']}: {p['reason']}" for p in listed]
        return Previewed(problem="\n".join([str(error), *rows]))
    return Previewed(imported=result) if confirm else Previewed(preview=result)
