"""RFC 9457 problem details for every error the API returns.

Domain errors map by family (invalid input 422, out of order or conflict 409,
not permitted 403, not found 404); request validation names every field at fault;
a database that cannot be reached is 503 with Retry-After. Anything else is a
bug and is logged as one (500, without internals).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError as SqlOperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import InvalidToken
from api.deps import StorageUnavailable
from api.limits import OUTCOME_UNKNOWN
from domain import errors
from eventlog.write_fence import WriteOutcomeUnknown
from notifications import translations
from notifications.translations import N_

log = logging.getLogger("careerflow.api")
MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5


class FieldProblem(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """What went wrong, for people and for programs (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldProblem] | None = None
    current: str | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": title, "content": {MEDIA_TYPE: {}}}
    for status, title in (
        (401, "No valid bearer token"),
        (403, "Not allowed"),
        (404, "Not found, or not yours to see"),
        (409, "Out of order, or a conflicting write"),
        (413, "Request body too large"),
        (422, "Invalid input (field and reason)"),
        (503, "Storage unavailable; retry later"),
    )
}


TITLES = (
    N_("Invalid input"), N_("Step out of order"), N_("Conflict"), N_("Not allowed"),
    N_("Not found"), N_("Refused"), N_("Internal error"), N_("Outcome unknown"),
    N_("Request body too large"), N_("Unauthenticated"), N_("Storage unavailable"),
    N_("Not Found"), N_("Method Not Allowed"),
)  # fmt: skip
"""Every problem's title: translated to the request's ``Accept-Language`` (the detail, the
field and the reason stay as the rules say them, in English)."""


def problem(
    status: int,
    title: str,
    detail: str,
    code: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://careerflow.invalid/problems/{code}",
        "title": translations.gettext(title),
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    if isinstance(exc, errors.InvalidCommand):
        problems = exc.details.get("problems")
        listed = (
            [{"field": f"rows[{p['row']}].{p['field']}", "reason": p["reason"]} for p in problems]
            if problems
            else [{"field": exc.field, "reason": exc.reason}]
        )
        return problem(422, "Invalid input", exc.message, exc.code, errors=listed)
    if isinstance(exc, errors.StepOutOfOrder):
        return problem(409, "Step out of order", exc.message, exc.code, current=str(exc.current))
    if isinstance(exc, errors.Conflict):
        return problem(409, "Conflict", exc.message, exc.code)
    if isinstance(exc, errors.NotPermitted):
        return problem(403, "Not allowed", exc.message, exc.code)
    if isinstance(exc, errors.NotFound):
        return problem(404, "Not found", exc.message, exc.code)
    return problem(400, "Refused", exc.message, exc.code)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)] or ["body"]
    return ".".join(parts)


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    listed = [
        {
            "field": _field_name(tuple(e["loc"])),
            "reason": str(e["msg"]).removeprefix("Value error, "),
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{p['field']}: {p['reason']}" for p in listed[:5])
    return problem(422, "Invalid input", detail, "invalid_input", errors=listed)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI could not parse the body: invalid input like any other
        return problem(
            422,
            "Invalid input",
            f"body: {exc.detail}",
            "invalid_input",
            errors=[{"field": "body", "reason": "is not well-formed JSON"}],
        )
    if exc.status_code == 413:
        return problem(
            413,
            "Request body too large",
            str(exc.detail),
            "body_too_large",
            errors=[{"field": "body", "reason": str(exc.detail)}],
        )
    code = {401: "unauthenticated", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error"
    )
    return problem(
        exc.status_code,
        str(exc.detail) if exc.status_code != 404 else "Not found",
        str(exc.detail),
        code,
        headers=dict(exc.headers or {}),
    )


def _token(request: Request, exc: Exception) -> JSONResponse:
    return problem(
        401,
        "Unauthenticated",
        f"a valid bearer token is needed: {exc}",
        "unauthenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )


CONNECTION_TROUBLE = (
    "connect", "connection", "server closed", "terminating", "timeout", "timed out",
    "could not receive", "could not send", "the database system is",
)  # fmt: skip
"""What an OperationalError says when the database is out of reach (not a bad query)."""


def lost_connection(exc: Exception) -> bool:
    if isinstance(exc, StorageUnavailable | psycopg_pool.PoolTimeout):
        return True
    message = str(exc).lower()
    return any(words in message for words in CONNECTION_TROUBLE)


def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    if not lost_connection(exc):
        return _bug(request, exc)  # a bad statement, not an outage: never blame the database
    services = request.app.state.services
    if not isinstance(exc, StorageUnavailable):
        log.warning("storage unavailable: %s", exc)
        # Fail fast for a while: each attempt against a dead database costs seconds of retries.
        services.unavailable_until = time.monotonic() + RETRY_AFTER_SECONDS
    return problem(
        503,
        "Storage unavailable",
        "the database cannot be reached right now; nothing was written",
        "unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _bug(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal error", "an unexpected error; it has been logged", "internal")


UNAVAILABLE: tuple[type[Exception], ...] = (
    StorageUnavailable,
    StoreOperationalError,
    SqlOperationalError,
    psycopg.OperationalError,
    psycopg_pool.PoolTimeout,
)


def _outcome_unknown(request: Request, exc: Exception) -> JSONResponse:
    return problem(503, "Outcome unknown", OUTCOME_UNKNOWN, "outcome_unknown",
                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)})  # fmt: skip


Handler = Callable[[Request, Exception], JSONResponse]


def _in_their_language(handler: Handler) -> Handler:
    """The handler, answering in the request's language (``Accept-Language``)."""

    def answer(request: Request, exc: Exception) -> JSONResponse:
        wanted = translations.negotiate(None, request.headers.get("accept-language"))
        with translations.speaking(wanted):
            return handler(request, exc)

    return answer


def install(app: FastAPI) -> None:
    app.add_exception_handler(WriteOutcomeUnknown, _in_their_language(_outcome_unknown))
    app.add_exception_handler(errors.DomainError, _in_their_language(_domain))
    app.add_exception_handler(RequestValidationError, _in_their_language(_validation))
    app.add_exception_handler(StarletteHTTPException, _in_their_language(_http))
    app.add_exception_handler(InvalidToken, _in_their_language(_token))
    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, _in_their_language(_unavailable))
    app.add_exception_handler(Exception, _in_their_language(_bug))
