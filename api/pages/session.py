"""Who is signed in to the pages, and the CSRF token every form carries.

The session is Starlette's signed cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure``
behind HTTPS) holding the employee id, the roles and a random CSRF token. A POST
whose form token differs from the session's is refused before anything is read.
The token check is a few lines of our own: the libraries on offer protect with a
double-submit cookie, which the signed session already makes unnecessary.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Request

from api.auth import Caller, Role
from api.deps import Now, RosterDep, covering
from domain import errors

SESSION_COOKIE = "careerflow_session"


class SignInRequired(Exception):
    """No one is signed in: the page handler redirects to the sign-in page."""


def sign_in(request: Request, employee_id: str, roles: frozenset[Role]) -> None:
    request.session.clear()
    request.session.update(
        {"employee_id": employee_id, "roles": sorted(roles), "csrf": secrets.token_urlsafe(24)}
    )


def sign_out(request: Request) -> None:
    request.session.clear()


async def _page_caller(request: Request, roster: RosterDep, now: Now) -> Caller:
    employee_id = request.session.get("employee_id")
    if not employee_id:
        raise SignInRequired()
    roles = frozenset(Role(r) for r in request.session.get("roles", []))
    return covering(Caller(employee_id, roles), roster, now)


PageCaller = Annotated[Caller, Depends(_page_caller)]


def csrf_token(request: Request) -> str:
    token: str = request.session.get("csrf", "")
    return token


def _checked(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> None:
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        raise errors.NotPermitted("this form", "be sent", "a page of this session (CSRF token)")


CsrfChecked = Annotated[None, Depends(_checked)]
