"""Signing in to the pages with OpenID Connect, against a small identity provider run here.

The provider is real HTTP (discovery, authorize, token, JWKS) and signs RS256 ID
tokens; careerflow talks to it through Authlib exactly as it would to a company's.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.testclient import TestClient

from api.roster_files import parse_csv
from careerflow.demo_org import DEMO_ROSTER_CSV
from careerflow.settings import Settings
from domain.roster_validation import validate_roster
from tests.api.conftest import build_api
from tests.factories import T0

CLIENT_ID, CLIENT_SECRET = "careerflow-pages", "s3cret-for-tests"


@dataclass
class Provider:
    """Who the next authorization signs in, and the codes it handed out."""

    base: str = ""
    user: tuple[str, list[str]] = ("ada", [])
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: Any = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    def app(self) -> FastAPI:
        idp = FastAPI()
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)

        @idp.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.base,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "jwks_uri": f"{self.base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @idp.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [public | {"kid": "k1", "use": "sig", "alg": "RS256"}]}

        @idp.get("/authorize")
        def authorize(request: Request) -> RedirectResponse:
            query = request.query_params
            assert query["client_id"] == CLIENT_ID
            assert query["response_type"] == "code"
            code = uuid.uuid4().hex
            self.codes[code] = {"nonce": query.get("nonce"), "user": self.user,
                                "redirect_uri": query["redirect_uri"]}  # fmt: skip
            answer = urlencode({"code": code, "state": query["state"]})
            return RedirectResponse(f"{query['redirect_uri']}?{answer}", status_code=302)

        @idp.post("/token")
        def token(request: Request, code: str = Form(), redirect_uri: str = Form()) -> Any:
            grant = self.codes.pop(code, None)
            if grant is None or grant["redirect_uri"] != redirect_uri:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            subject, roles = grant["user"]
            now = int(time.time())
            claims = {"iss": self.base, "sub": subject, "aud": CLIENT_ID, "iat": now,
                      "exp": now + 300, "nonce": grant["nonce"], "roles": roles}  # fmt: skip
            id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
            return {"access_token": uuid.uuid4().hex, "token_type": "Bearer",
                    "expires_in": 300, "id_token": id_token}  # fmt: skip

        return idp


@pytest.fixture
def provider() -> Iterator[Provider]:
    idp = Provider()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    idp.base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(idp.app(), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield idp
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def pages(provider: Provider, pg_url: str, fresh_settings: Settings) -> Iterator[TestClient]:
    settings = fresh_settings.model_copy(
        update={
            "oidc_issuer": provider.base,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
        }
    )

    for api in build_api(settings, pg_url):
        people = validate_roster(parse_csv(DEMO_ROSTER_CSV))
        api.application.import_roster(people, source="t", actor="hr", at=T0)
        yield TestClient(api.client.app, follow_redirects=False)


def sign_in(pages: TestClient) -> httpx.Response:
    """The browser's round trip: careerflow → provider → careerflow's callback."""
    start = pages.get("/sign-in")
    assert start.status_code == 302
    to_provider = start.headers["location"]
    back = httpx.get(to_provider, follow_redirects=False)
    assert back.status_code == 302
    callback = urlparse(back.headers["location"])
    assert callback.path == "/auth/callback"
    answer: httpx.Response = pages.get(f"{callback.path}?{callback.query}")
    return answer


def test_a_person_signs_in_through_the_identity_provider(
    pages: TestClient, provider: Provider
) -> None:
    done = sign_in(pages)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/tasks"
    tasks = pages.get("/tasks")
    assert tasks.status_code == 200
    assert "Ada Lovelace" in tasks.text
    assert "Development sign-in" not in pages.get("/sign-in").text  # no roster list here
    forged = pages.post("/sign-in", data={"employee_id": "hedy", "csrf_token": "x"})
    assert forged.status_code in (403, 404)


def test_roles_come_from_the_id_token_and_a_bad_answer_signs_nobody_in(
    pages: TestClient, provider: Provider
) -> None:
    provider.user = ("hedy", ["hr_admin"])
    assert sign_in(pages).status_code == 303
    assert "hr admin" in pages.get("/tasks").text
    assert pages.get("/roster").status_code == 200

    fresh = TestClient(pages.app, follow_redirects=False)
    start = fresh.get("/sign-in")
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    replay = fresh.get(f"/auth/callback?code=made-up&state={state}")
    assert replay.status_code == 401
    assert fresh.get("/tasks").status_code == 303  # still signed out
    wrong_state = fresh.get("/auth/callback?code=x&state=not-ours")
    assert wrong_state.status_code == 401
