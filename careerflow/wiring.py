"""The composition root's wiring of the HTTP API: its services from the settings."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from api.auth import Tokens, load_secret
from api.deps import Services, utc_now
from api.pages.oidc import OidcSignIn
from api.slack_actions import SlackApp
from application.service import CareerFlow
from careerflow.settings import DataFiles, Settings
from projections.database import engine_for


def build_services(
    settings: Settings,
    application: CareerFlow,
    url: str,
    *,
    temporal_address: str | None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    return Services(
        application=application,
        tokens=Tokens(settings),
        read_engine=engine_for(url, settings.db_schema),
        temporal_address=temporal_address,
        clock=clock,
        request_deadline=settings.request_deadline,
        session_secret=settings.session_secret or _derived(load_secret(settings)),
        dev_sign_in=settings.oidc_issuer is None,
        secure_cookies=settings.secure_cookies,
        oidc_sign_in=_oidc_sign_in(settings),
        scim_token=settings.scim_token,
        slack=_slack(settings),
        outbox=None if settings.smtp_host else settings.in_data_dir(DataFiles.OUTBOX),
    )


def _oidc_sign_in(settings: Settings) -> OidcSignIn | None:
    if settings.oidc_issuer is None or settings.oidc_client_id is None:
        return None
    return OidcSignIn(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret)


def _slack(settings: Settings) -> SlackApp | None:
    if settings.slack_signing_secret is None:
        return None
    return SlackApp(settings.slack_signing_secret, settings.slack_bot_token, settings.slack_api_url)


def _derived(secret: str) -> str:
    """A key of its own for the session cookie, from the service's secret."""
    return hashlib.sha256(b"careerflow pages session:" + secret.encode()).hexdigest()
