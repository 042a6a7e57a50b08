"""HTTP metrics and the request id: every request counted by route template and status.

The route label is the template (``/api/v1/cases/{case_id}``), never the raw path,
so the number of series stays bounded whatever callers send; anything no route
matched is ``unmatched``. A request that fails (5xx) or takes over a second is
logged with its request id, which ``asgi-correlation-id`` takes from
``X-Request-ID`` when the caller sent a sane one and makes otherwise, and returns.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("careerflow.http")

REQUESTS = Counter(
    "careerflow_http_requests_total",
    "HTTP requests by route and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "careerflow_http_request_duration_seconds",
    "Time to answer, by route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SLOW = 1.0

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def acceptable_request_id(value: str) -> bool:
    """A caller's id is kept if it is short and plain (it goes into logs and a header)."""
    return REQUEST_ID.fullmatch(value) is not None


def new_request_id() -> str:
    return uuid.uuid4().hex


class HttpMetrics:
    """Pure ASGI middleware (no extra task per request, unlike ``BaseHTTPMiddleware``)."""

    def __init__(self, app: ASGIApp, prefix: str = "") -> None:
        self.app = app
        self.prefix = prefix
        """Where routers are included: FastAPI reports an included route without it."""

    def route_of(self, scope: Scope) -> str:
        template = getattr(scope.get("route"), "path", None)
        if not isinstance(template, str):
            return "unmatched"
        path = str(scope.get("path", ""))
        if self.prefix and path.startswith(self.prefix) and not template.startswith(self.prefix):
            return self.prefix + template
        return template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            route = self.route_of(scope)
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            if status >= 500 or elapsed > SLOW:
                log.warning("%s %s answered %d in %.0f ms", method, route, status, elapsed * 1000)
