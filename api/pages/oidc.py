"""Signing in to the pages with OpenID Connect (authorization code flow), through Authlib.

Authlib does the protocol: discovery, ``state`` and ``nonce`` kept in the session,
the code exchange, and the ID token's signature (the issuer's JWKS), issuer,
audience and expiry. What careerflow takes from the ID token is what it takes from
a bearer token: ``sub`` is the employee id, a ``roles`` claim may grant ``hr_admin``
or ``auditor`` (``api.auth.caller_from_claims``).
"""

from __future__ import annotations

import warnings
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse

from api.auth import Caller, InvalidToken, caller_from_claims

with warnings.catch_warnings():  # Authlib 1.9 asks for httpx2 on import; httpx is what we use
    import authlib.deprecate  # noqa: F401  (its import puts an "always" filter first: ours goes before)

    warnings.filterwarnings("ignore", "The httpx module is deprecated", DeprecationWarning)
    from authlib.integrations.starlette_client import OAuth, OAuthError


class SignInFailed(Exception):
    """The identity provider's answer did not sign anyone in (the reason is the message)."""


class OidcSignIn:
    def __init__(self, issuer: str, client_id: str, client_secret: str | None) -> None:
        self.oauth = OAuth()
        self.client: Any = self.oauth.register(
            "idp",
            server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
            client_id=client_id,
            client_secret=client_secret,
            client_kwargs={"scope": "openid profile email"},
        )

    async def start(self, request: Request, callback: str) -> RedirectResponse:
        response: RedirectResponse = await self.client.authorize_redirect(request, callback)
        return response

    async def finish(self, request: Request) -> Caller:
        try:
            token = await self.client.authorize_access_token(request)
        except OAuthError as error:
            raise SignInFailed(error.description or str(error)) from error
        claims = token.get("userinfo")
        if not claims:
            raise SignInFailed("the identity provider sent no ID token")
        try:
            return caller_from_claims(claims)
        except InvalidToken as error:
            raise SignInFailed(str(error)) from error
