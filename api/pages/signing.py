"""Signing in and out of the pages: the development sign-in, OpenID Connect, sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import RESERVED_PREFIX, Role
from api.deps import Now, RosterDep, ServicesDep
from api.pages.oidc import SignInFailed
from api.pages.render import page as _page
from api.pages.render import refused
from api.pages.session import CsrfChecked, sign_in, sign_out

router = APIRouter(include_in_schema=False)


# --- signing in --------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> RedirectResponse:
    signed_in = bool(request.session.get("employee_id"))
    return RedirectResponse("/tasks" if signed_in else "/sign-in", status_code=303)


@router.get("/sign-in")
async def sign_in_page(
    request: Request, services: ServicesDep, roster: RosterDep, now: Now
) -> Response:
    """Production: off to the identity provider. Embedded mode: pick a person from the
    roster (a development convenience)."""
    if services.oidc_sign_in is not None:
        callback = str(request.url_for("oidc_callback"))
        response: Response = await services.oidc_sign_in.start(request, callback)
        return response
    if not services.dev_sign_in:
        return refused(
            request, None, roster, now, "Sign in through your company's identity provider.", 404
        )
    if "csrf" not in request.session:
        sign_in(request, "", frozenset())
        request.session.pop("employee_id")
    people = sorted(roster.people.values(), key=lambda p: p.name)
    return _page(request, "sign_in.html", None, roster, now, people=people, roles=list(Role))


@router.post("/sign-in")
def sign_in_post(
    request: Request,
    services: ServicesDep,
    roster: RosterDep,
    now: Now,
    _: CsrfChecked,
    employee_id: Annotated[str, Form(max_length=128)] = "",
    other_id: Annotated[str, Form(max_length=128)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    employee_id = other_id.strip() or employee_id
    if not services.dev_sign_in:
        return refused(request, None, roster, now, "Not here.", 404)
    roles = frozenset({Role(role)}) if role in {r.value for r in Role} else frozenset()
    if not employee_id or employee_id.startswith(RESERVED_PREFIX):
        return refused(request, None, roster, now, "Not a person.", 403)
    if employee_id not in roster.people and not roles:
        message = f"{employee_id!r} is not on the roster."
        return refused(request, None, roster, now, message, 403)
    sign_in(request, employee_id, roles)
    return RedirectResponse("/tasks", status_code=303)


@router.get("/auth/callback", name="oidc_callback")
async def oidc_callback(
    request: Request, services: ServicesDep, roster: RosterDep, now: Now
) -> Response:
    """The identity provider sends the browser back here with a code: exchange it, sign in."""
    if services.oidc_sign_in is None:
        return refused(request, None, roster, now, "Not here.", 404)
    try:
        caller = await services.oidc_sign_in.finish(request)
    except SignInFailed as failed:
        return refused(request, None, roster, now, f"Sign-in failed: {failed}", 401)
    sign_in(request, caller.employee_id, caller.roles)
    return RedirectResponse("/tasks", status_code=303)


@router.post("/sign-out")
def sign_out_post(request: Request, _: CsrfChecked) -> RedirectResponse:
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)
