"""The FastAPI application: routers, problem+json errors, and its services.

``create_app`` is given its services by the composition root
(``careerflow.wiring.build_services``), so nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import problems
from api.deps import Services
from api.routes import action_items, cases, cycles, health, me, reports, roster
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


def create_app(services: Services) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for model in read_models():  # reports find their views even before a projector ran
            install(services.read_engine, model)
        install_inbox(services.read_engine)
        yield
        services.read_engine.dispose()

    app = FastAPI(
        title="careerflow",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    problems.install(app)
    app.include_router(health.router)
    routers = (roster, cycles, cases, action_items, me, reports)
    for module in routers:
        router = module.router
        app.include_router(router, prefix=API_PREFIX)
    return app
