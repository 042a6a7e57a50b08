"""Web pages: server-rendered screens for every role, served by the API's own app.

``install`` adds the signed session, the static files (the style sheet and the
Swagger UI, both from the installed packages: nothing loads from another host)
and the page routes.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

from api.deps import Services
from api.pages import (
    absence_page,
    calendar_page,
    framework_pages,
    hr,
    oversight,
    signing,
    views,
)
from api.pages.render import HERE
from api.pages.session import SESSION_COOKIE, SignInRequired


class PageSessions(SessionMiddleware):
    """The pages' signed session cookie; the API (bearer tokens) passes straight through."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PATHS):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


API_PATHS = ("/api/", "/healthz", "/readyz")


SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"
"""Swagger UI 5 (it renders OpenAPI 3.1), as the ``fastapi-offline`` package bundles it:
nothing loads from another host."""


def install(app: FastAPI, services: Services) -> None:
    app.add_middleware(
        PageSessions,
        secret_key=services.session_secret,
        session_cookie=SESSION_COOKIE,
        same_site="lax",
        https_only=services.secure_cookies,
        max_age=12 * 3600,
    )
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_UI), name="swagger")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="careerflow API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon.png",
        )

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired) -> RedirectResponse:
        return RedirectResponse("/sign-in", status_code=303)

    app.include_router(hr.router)  # before the pages' /cycles/{id}
    for module in (signing, views, oversight, framework_pages, calendar_page, absence_page):
        app.include_router(module.router)
