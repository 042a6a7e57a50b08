"""The FastAPI application: routers, problem+json errors, and its services.

``create_app`` is given its services by the composition root
(``careerflow.wiring.build_services``), so nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import Depends, FastAPI

from api import pages, problems, slack_actions
from api.deps import Services, roster_member
from api.http_metrics import HttpMetrics, acceptable_request_id, new_request_id
from api.limits import BodyLimit, RequestDeadline, storable_parameters
from api.routes import (
    absence_routes,
    action_items,
    calendar_feed,
    cases,
    cycles,
    framework_routes,
    health,
    me,
    people,
    reports,
    roster_routes,
)
from api.scim import routes as scim_routes
from notifications.inbox import install_inbox
from projections.catalog import read_models
from projections.runner import install

API_PREFIX = "/api/v1"

DESCRIPTION = """
careerflow runs company-wide career development cycles: HR opens a cycle, each
employee prepares, requests a career conversation, shares an agenda, holds the
meeting, drafts a development plan, gets it approved and keeps regular check-ins.

Authenticate with `Authorization: Bearer <token>` (`careerflow token EMPLOYEE_ID`
prints one in the embedded mode). Errors are RFC 9457 problem details. Every POST
takes an `Idempotency-Key` header: a retry with the same key does not repeat its effect.
"""


def create_app(services: Services, on_shutdown: Sequence[Callable[[], None]] = ()) -> FastAPI:
    """The API on ``services``; ``on_shutdown`` runs when it stops (what this process owns)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for model in read_models():  # reports find their views even before a projector ran
            install(services.read_engine, model)
        install_inbox(services.read_engine)
        yield
        services.read_engine.dispose()
        for close in on_shutdown:
            close()

    app = FastAPI(
        title="careerflow",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(storable_parameters)],
        docs_url=None,  # served by the pages from the installed Swagger UI (no CDN)
        redoc_url=None,
    )
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestDeadline, seconds=services.request_deadline)
    app.add_middleware(HttpMetrics, prefix=API_PREFIX)
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        generator=new_request_id,
        validator=acceptable_request_id,
        transformer=None,
    )
    app.state.services = services
    problems.install(app)
    app.include_router(health.router)
    app.include_router(me.router, prefix=API_PREFIX)
    app.include_router(calendar_feed.router)
    app.include_router(slack_actions.router)
    members_only = [Depends(roster_member)]
    for router in (
        roster_routes.router,
        framework_routes.router,
        cycles.router,
        cases.router,
        cases.step_routes(),
        action_items.router,
        action_items.step_routes(),
        reports.router,
        people.router,
        absence_routes.router,
    ):
        app.include_router(router, prefix=API_PREFIX, dependencies=members_only)
    scim_routes.install(app)
    pages.install(app, services)
    return app
