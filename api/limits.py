"""Bounds on what a request may carry, checked before any handler runs.

* A request body may be at most ``MAX_BODY`` bytes (``MAX_ROSTER_BODY`` for a roster
  import, which is a whole company; ``MAX_FRAMEWORK_BODY`` for a career framework):
  413 naming the body. Bodies without a Content-Length are counted as they arrive.
* No query or path parameter may hold text PostgreSQL cannot store (NUL, an unpaired
  surrogate): 422 naming the parameter. Bodies are checked by the command models.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain import errors
from domain.values import refuse_unstorable
from eventlog.write_fence import CURRENT_FENCE, FenceState, WriteFence

MAX_BODY = 256 * 1024
"""256 KiB: far more than the largest plan, recap or self-assessment the limits allow."""
MAX_ROSTER_BODY = 64 * 1024 * 1024
"""64 MiB: a roster of a few hundred thousand people."""
MAX_FRAMEWORK_BODY = 8 * 1024 * 1024
"""8 MiB: the largest framework allowed (10,000 expectations of up to 500 characters)."""


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


def body_limit(path: str) -> int:
    if path.endswith("/roster/import"):
        return MAX_ROSTER_BODY
    framework = path == "/framework" or path.endswith("/framework/import")  # page or API
    return MAX_FRAMEWORK_BODY if framework else MAX_BODY


class BodyLimit:
    """ASGI middleware: refuse a body over its limit, declared or streamed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


async def _refuse(send: Send, limit: int) -> None:
    problem = {
        "title": "Request body too large",
        "detail": f"the request body is larger than {limit} bytes",
        "code": "body_too_large",
        "errors": [{"field": "body", "reason": f"at most {limit} bytes"}],
    }
    await _problem(send, 413, problem)


async def _problem(
    send: Send,
    status: int,
    problem: dict[str, Any],
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """A problem+json answer written straight to ASGI (outside FastAPI's handlers)."""
    body = json.dumps(
        {"type": f"https://careerflow.invalid/problems/{problem['code']}", "status": status}
        | problem
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *(extra_headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def storable_parameters(request: Request) -> None:
    """Refuse query and path parameters PostgreSQL could not store or compare."""
    parameters: list[tuple[str, Any]] = [
        *request.query_params.multi_items(),
        *request.path_params.items(),
    ]
    for name, value in parameters:
        try:
            refuse_unstorable(value)
            refuse_unstorable(name)
        except ValueError as exc:
            raise errors.InvalidCommand(name, str(exc)) from None


LONG_RUNNING = re.compile(r"/(roster/import|cycles/[^/]+/(open|close))$")
"""Batch operations that may legitimately take longer than a request's deadline."""


class RequestDeadline:
    """ASGI middleware: a request still unanswered after ``seconds`` gets a 503 at once,
    and a 503 means nothing was written.

    The database's own retries can take half a minute when it vanishes mid-request;
    nobody should wait that long. Each request carries a ``WriteFence``: at the
    deadline, a request with no write under way is refused any further write and
    answered 503 (retry it, with the same Idempotency-Key if you like); one whose
    write is under way is waited for, up to ``WRITE_GRACE`` more (then 503 saying the
    outcome is unknown), and one whose write went through is answered for real.
    """

    WRITE_GRACE = 30.0
    """How long past the deadline a write already under way is waited for."""
    POLL = 0.05

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or LONG_RUNNING.search(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        fence = WriteFence()
        token = CURRENT_FENCE.set(fence)
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        given_up_at = loop.time() + self.seconds + self.WRITE_GRACE
        verdict: list[FenceState] = []

        def at_deadline() -> None:
            found = fence.expire()
            if found is FenceState.WRITING and loop.time() < given_up_at:
                timer[0] = loop.call_later(self.POLL, at_deadline)  # its outcome first
            elif found is not FenceState.WRITTEN:
                verdict.append(found)
                task.cancel()

        timer = [loop.call_later(self.seconds, at_deadline)]
        try:
            await self.app(scope, receive, tracked)
        except asyncio.CancelledError:
            if not verdict or task.uncancel() > 0:
                raise
            if not started:
                await _problem(send, 503, _deadline_problem(self.seconds, verdict[0]),
                               extra_headers=[(b"retry-after", b"5")])  # fmt: skip
        finally:
            timer[0].cancel()
            CURRENT_FENCE.reset(token)


OUTCOME_UNKNOWN = (
    "the step may have been recorded (the database went away while it was being written):"
    " read it back, or retry with the same Idempotency-Key, which never repeats an effect"
)


def _deadline_problem(seconds: float, found: FenceState) -> dict[str, str]:
    if found in (FenceState.WRITING, FenceState.UNKNOWN):
        detail = f"no answer within {seconds:g} s; {OUTCOME_UNKNOWN}"
        return {"title": "No answer in time", "detail": detail, "code": "outcome_unknown"}
    return {
        "title": "No answer in time",
        "detail": f"no answer within {seconds:g} s (is the database reachable?); nothing was"
        " written: retry",
        "code": "deadline_exceeded",
    }


SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: prefix a single quote)."""
    return "'" + value if value.startswith(SPREADSHEET_TRIGGERS) else value
