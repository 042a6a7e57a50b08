"""Bearer tokens: who is calling, and which company-wide roles they hold.

PyJWT does the cryptography. The embedded default signs HS256 with a secret made
once and kept in the data directory (``careerflow token`` prints tokens signed
with it); production trusts an OIDC issuer's keys (JWKS). A token says who the
caller is and whether they are an HR admin or an auditor — never who manages whom:
relationships come from the roster.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import jwt

ISSUER = "careerflow"
AUDIENCE = "careerflow-api"

RESERVED_PREFIX = "careerflow:"
"""Actor ids the service uses for itself (timers, the CLI); never accepted from a token."""


class Role(StrEnum):
    """Company-wide roles a token may carry (everyone is also an employee)."""

    HR_ADMIN = "hr_admin"
    AUDITOR = "auditor"


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired or not ours (401)."""


@dataclass(frozen=True)
class Caller:
    employee_id: str
    roles: frozenset[Role] = frozenset()
    covers: frozenset[str] = frozenset()
    """The absent people this caller is the delegate of right now (``domain/absences.py``):
    they see and act on those people's cases for them."""

    @property
    def is_hr_admin(self) -> bool:
        return Role.HR_ADMIN in self.roles

    @property
    def is_auditor(self) -> bool:
        return Role.AUDITOR in self.roles

    @property
    def sees_everything(self) -> bool:
        return self.is_hr_admin or self.is_auditor


class AuthSettings(Protocol):
    """What tokens need from the settings (the composition root passes its settings)."""

    @property
    def jwt_secret(self) -> str | None: ...
    @property
    def jwt_secret_file(self) -> Path: ...
    @property
    def oidc_issuer(self) -> str | None: ...
    @property
    def oidc_jwks_url(self) -> str | None: ...
    @property
    def oidc_audience(self) -> str | None: ...
    @property
    def token_hours(self) -> int: ...


def load_secret(settings: AuthSettings) -> str:
    """The HS256 secret: from settings, else the data dir's file (created on first use)."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path: Path = settings.jwt_secret_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


VERIFIED_TOKENS = 10_000
"""How many verified tokens a process remembers (then it forgets them all and starts over)."""


class Tokens:
    """Issues (embedded mode) and verifies bearer tokens."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self.oidc = settings.oidc_issuer is not None
        self._jwks: jwt.PyJWKClient | None = None
        self._verified: dict[str, tuple[Caller, float]] = {}
        self._secret: str | None = None
        if self.oidc:
            issuer = str(settings.oidc_issuer).rstrip("/")
            url = settings.oidc_jwks_url or f"{issuer}/.well-known/jwks.json"
            self._jwks = jwt.PyJWKClient(url, cache_keys=True)
        else:
            self._secret = load_secret(settings)

    def issue(
        self, employee_id: str, roles: frozenset[Role] = frozenset(), hours: int | None = None
    ) -> str:
        if self._secret is None:
            raise RuntimeError("tokens come from the OIDC issuer in this deployment")
        if hours is not None and hours <= 0:
            raise ValueError("a token's lifetime must be positive")
        if employee_id.startswith(RESERVED_PREFIX):
            raise ValueError(f"{employee_id!r} is reserved for the service itself")
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": employee_id,
            "roles": sorted(roles),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + timedelta(hours=hours or self.settings.token_hours),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Caller:
        """Who the token speaks for; a token verified before is not checked again until it expires.

        Decoding and checking a signature costs more than the rest of a small request;
        a token's claims cannot change, so the answer is kept (for at most 10,000
        tokens) and only its expiry is checked again.
        """
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        caller, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[token] = (caller, expires)
        return caller

    def _verify(self, token: str) -> tuple[Caller, float]:
        try:
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token)
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=["RS256", "ES256", "PS256"],
                    issuer=str(self.settings.oidc_issuer),
                    audience=self.settings.oidc_audience,
                    options={
                        "require": ["sub", "exp"],
                        "verify_aud": bool(self.settings.oidc_audience),
                    },
                )
            else:
                assert self._secret is not None
                claims = jwt.decode(
                    token,
                    self._secret,
                    algorithms=["HS256"],
                    issuer=ISSUER,
                    audience=AUDIENCE,
                    options={"require": ["sub", "exp"]},
                )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return caller_from_claims(claims), float(claims["exp"])


def caller_from_claims(claims: Mapping[str, Any]) -> Caller:
    """Who verified claims name (``sub``) and the company-wide roles they grant (``roles``);
    the same for a bearer token and for an OpenID Connect sign-in to the pages."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("the token names nobody (sub)")
    if subject.startswith(RESERVED_PREFIX):
        raise InvalidToken(f"{subject!r} is reserved for the service itself")
    raw_roles = claims.get("roles") or []
    if not isinstance(raw_roles, list):
        raise InvalidToken("roles must be a list")
    roles = frozenset(Role(r) for r in raw_roles if r in set(Role))
    return Caller(employee_id=subject, roles=roles)
