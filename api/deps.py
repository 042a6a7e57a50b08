"""What a request handler can ask for (FastAPI dependencies, as ``Annotated`` aliases)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from api.auth import Caller, InvalidToken, Tokens
from api.calendar_feeds import CalendarFeeds
from api.sealed_reads import SealedReads
from api.shared_cache import SharedCache
from application.service import CareerFlow
from domain import errors
from domain.case import DevelopmentCase
from domain.framework import FrameworkBook
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
    outbox: Path | None = None
    """The embedded default's ``.eml`` files (an erasure deletes the person's)."""
    scim_token: str | None = None
    """The identity provider's provisioning token (``/scim/v2``); None: SCIM is off."""
    oidc_sign_in: Any = None
    """``api.pages.oidc.OidcSignIn`` when the pages sign in through an OpenID provider."""
    slack: Any = None
    """``api.slack_actions.SlackApp`` when a Slack app's buttons come back (signing secret set)."""
    rosters: SharedCache[Roster] = field(init=False)
    """The roster requests read (``api.shared_cache``)."""
    frameworks: SharedCache[FrameworkBook] = field(init=False)
    """The career framework the cases are shown against (``api.shared_cache``)."""
    reads: SealedReads = field(init=False)
    """Who opened whose confidential content (``api.sealed_reads``)."""
    calendars: CalendarFeeds = field(init=False)
    """Each person's private calendar feed (``api.calendar_feeds``)."""

    def __post_init__(self) -> None:
        app = self.application
        self.rosters = SharedCache(app.get_roster, lambda: app.roster_writes)
        self.frameworks = SharedCache(app.get_framework_book, lambda: app.framework_writes)
        self.reads = SealedReads(self.read_engine)
        self.calendars = CalendarFeeds(self.read_engine)


# The dependencies that neither wait nor compute are ``async``: FastAPI runs a plain
# ``def`` dependency on a worker thread, and each such hop waits for the interpreter
# lock to come back (up to 5 ms under load); a command took eight of them. They
# also take the services from the request rather than from another dependency:
# each dependency FastAPI resolves costs about as much as the command's own work.


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(_services)]


class StorageUnavailable(Exception):
    """The database failed moments ago; answer 503 at once rather than wait for it again."""


def available(services: Services) -> CareerFlow:
    if time.monotonic() < services.unavailable_until:
        raise StorageUnavailable("the database was unreachable moments ago")
    return services.application


async def _application(request: Request) -> CareerFlow:
    return available(services_of(request))


App = Annotated[CareerFlow, Depends(_application)]

_bearer = HTTPBearer(auto_error=False, description="a token from `careerflow token` or your IdP")


async def _roster(request: Request) -> Roster:
    services = services_of(request)
    available(services)
    cached = services.rosters.fresh()
    if cached is not None:
        return cached
    return await run_in_threadpool(services.rosters.refresh)


RosterDep = Annotated[Roster, Depends(_roster)]


def framework_for(frameworks: SharedCache[FrameworkBook], case: DevelopmentCase) -> FrameworkBook:
    """The framework to show ``case`` against, from memory — caught up first if the case
    opened under a version imported elsewhere moments ago (blocking: from a worker thread)."""
    book = frameworks.get()
    if (case.framework_version or 0) > len(book.versions):
        book = frameworks.refresh()
    return book


async def _frameworks(request: Request) -> SharedCache[FrameworkBook]:
    return services_of(request).frameworks


FrameworkCacheDep = Annotated[SharedCache[FrameworkBook], Depends(_frameworks)]


async def _now(request: Request) -> datetime:
    return services_of(request).clock()


Now = Annotated[datetime, Depends(_now)]


def covering(caller: Caller, roster: Roster, now: datetime) -> Caller:
    """The caller with the absent people they stand in for now (usually nobody)."""
    covers = roster.away_at(now).covered_by(caller.employee_id)
    return replace(caller, covers=frozenset(covers)) if covers else caller


async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None:
        raise InvalidToken("no Authorization: Bearer header")
    tokens = services_of(request).tokens
    if tokens.oidc:  # may fetch the issuer's keys: not on the event loop
        caller = await run_in_threadpool(tokens.verify, credentials.credentials)
    else:
        caller = tokens.verify(credentials.credentials)  # an HMAC, once per token: microseconds
    return covering(caller, await _roster(request), await _now(request))


CurrentUser = Annotated[Caller, Depends(_caller)]


async def roster_member(request: Request, caller: CurrentUser, roster: RosterDep) -> None:
    """Everything but ``/me`` is for people on the roster, HR admins and auditors."""
    if caller.roles or caller.employee_id in roster.people:
        return
    # Someone just added by another process is let in at once, not 50 ms later.
    fresh = await run_in_threadpool(services_of(request).rosters.refresh)
    if caller.employee_id in fresh.people:
        return
    raise errors.NotPermitted(
        caller.employee_id, "use careerflow", "people on the roster, HR admins and auditors"
    )


async def _reads(request: Request) -> SealedReads:
    return services_of(request).reads


ReadsDep = Annotated[SealedReads, Depends(_reads)]


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

DryRun = Annotated[bool, Query(description="report the changes, write nothing")]
