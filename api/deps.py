"""What a request handler can ask for (FastAPI dependencies, as ``Annotated`` aliases)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from api.auth import Caller, InvalidToken, Tokens
from domain import errors
from domain.application import CareerFlow
from domain.roster import Roster


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Everything the API talks to, built once by the composition root."""

    application: CareerFlow
    tokens: Tokens
    read_engine: Engine
    temporal_address: str | None
    clock: Callable[[], datetime] = field(default=utc_now)
    request_deadline: float = 5.0
    """Seconds after which an unanswered request gets a 503 (batch operations excepted)."""
    unavailable_until: float = 0.0
    """Monotonic time until which requests fail fast with 503 (the database just failed)."""
    session_secret: str = ""
    """Signs the pages' session cookie (the composition root derives it from the secret)."""
    dev_sign_in: bool = False
    """The pages' sign-in lists the roster (embedded mode only, never with an OIDC issuer)."""
    secure_cookies: bool = False
    """The session cookie is ``Secure`` (the service is reached over HTTPS)."""
    oidc_sign_in: Any = None
    """``api.pages.oidc.OidcSignIn`` when the pages sign in through an OpenID provider."""


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


class StorageUnavailable(Exception):
    """The database failed moments ago; answer 503 at once rather than wait for it again."""


def _application(services: ServicesDep) -> CareerFlow:
    if time.monotonic() < services.unavailable_until:
        raise StorageUnavailable("the database was unreachable moments ago")
    return services.application


App = Annotated[CareerFlow, Depends(_application)]

_bearer = HTTPBearer(auto_error=False, description="a token from `careerflow token` or your IdP")


def _caller(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None:
        raise InvalidToken("no Authorization: Bearer header")
    return services.tokens.verify(credentials.credentials)


CurrentUser = Annotated[Caller, Depends(_caller)]


def _roster(application: App) -> Roster:
    return application.get_roster()


RosterDep = Annotated[Roster, Depends(_roster)]


def roster_member(caller: CurrentUser, roster: RosterDep) -> None:
    """Everything but ``/me`` is for people on the roster, HR admins and auditors."""
    if caller.roles or caller.employee_id in roster.people:
        return
    raise errors.NotPermitted(
        caller.employee_id, "use careerflow", "people on the roster, HR admins and auditors"
    )


def _now(services: ServicesDep) -> datetime:
    return services.clock()


Now = Annotated[datetime, Depends(_now)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="repeat a POST with the same key and its effect happens once",
    ),
]
