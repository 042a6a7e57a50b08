"""All configuration in one pydantic-settings object (environment or a .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CAREERFLOW_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "CAREERFLOW_DATABASE_URL"),
        description="PostgreSQL to use; when unset an embedded server runs under data_dir",
    )
    data_dir: Path = Field(
        default=Path(".careerflow"),
        description="embedded PostgreSQL data, Temporal's database, outgoing e-mail files",
    )
    db_schema: str = Field(
        default="public",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL schema holding the event store",
    )
    temporal_address: str | None = Field(
        default=None,
        description="Temporal frontend host:port; when unset `careerflow dev` runs the dev server",
    )
    temporal_namespace: str = "default"
    task_queue: str = "careerflow"
    temporal_port: int = Field(default=7233, ge=1, le=65535)
    temporal_ui_port: int = Field(default=8233, ge=1, le=65535)
    smtp_host: str | None = Field(default=None, description="send e-mail; unset: .eml files")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    mail_from: str = "careerflow <careerflow@careerflow.invalid>"
    mail_domain: str = Field(
        default="careerflow.invalid", description="person@domain until the roster has e-mails"
    )
    webhook_url: str | None = Field(default=None, description="Slack-compatible incoming webhook")
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="where people open careerflow (https://careerflow.example.com): chat "
        "messages' Open buttons point there",
    )
    slack_signing_secret: str | None = Field(
        default=None,
        min_length=16,
        description="the Slack app's signing secret: its buttons come back to /slack/actions "
        "(unset: chat buttons are off)",
    )
    slack_bot_token: str | None = Field(
        default=None,
        description="the Slack app's bot token (scope users:read.email): who clicked, by e-mail",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", description="Slack's Web API (a test points elsewhere)"
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    jwt_secret: str | None = Field(
        default=None,
        description="HS256 signing secret; unset: generated once into data_dir/jwt-secret",
    )
    kek: str | None = Field(
        default=None,
        description="key-encryption keys wrapping each person's data key: base64 AES keys, "
        "comma-separated, newest first (rotate: put a new one first, then `careerflow keys "
        "rotate`); unset: generated once into data_dir/kek",
    )
    scim_token: str | None = Field(
        default=None,
        min_length=32,
        description="the identity provider's bearer token for /scim/v2 (at least 32 "
        "characters); unset: SCIM provisioning is off",
    )
    oidc_issuer: str | None = Field(
        default=None, description="production: accept tokens from this OIDC issuer (RS256/ES256)"
    )
    oidc_jwks_url: str | None = Field(
        default=None, description="the issuer's JWKS URL (default: issuer + /.well-known/jwks.json)"
    )
    oidc_audience: str | None = Field(default=None, description="required `aud` of OIDC tokens")
    oidc_client_id: str | None = Field(
        default=None, description="the pages' OpenID Connect client (authorization code flow)"
    )
    oidc_client_secret: str | None = Field(default=None, description="that client's secret")
    session_secret: str | None = Field(
        default=None,
        description="signs the web pages' session cookie (set it alike on every API replica); "
        "unset: derived from the JWT secret file",
    )
    secure_cookies: bool = Field(
        default=False, description="mark the session cookie Secure (serve the pages over HTTPS)"
    )
    token_hours: int = Field(
        default=12, ge=1, le=24 * 365, description="lifetime of `careerflow token`"
    )
    db_connect_timeout: int = Field(
        default=5, ge=1, le=300, description="seconds to wait for a database connection"
    )
    request_deadline: float = Field(
        default=5.0, ge=0.5, le=600, description="seconds before an unanswered request gets 503"
    )
    worker_cached_workflows: int = Field(
        default=10_000,
        ge=100,
        le=1_000_000,
        description="workflows a worker keeps in memory (more: less replaying, more memory)",
    )
    worker_sandbox: bool = Field(
        default=False,
        description="run workflows in Temporal's sandbox, each cached one with its own copy "
        "of the workflow modules (the tests always do; off: less memory and CPU per workflow)",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="address of every process's operations port (0.0.0.0 in a container)",
    )
    metrics_port: int = Field(
        default=9464,
        ge=0,
        le=65535,
        description="operations port: /healthz, /readyz and Prometheus /metrics (0: none)",
    )
    temporal_metrics_port: int = Field(
        default=9465,
        ge=0,
        le=65535,
        description="local port of the Temporal SDK's own metrics, served again on /metrics "
        "(0: none)",
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one object per line, with the request id"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    standby_poll: float = Field(
        default=1.0,
        ge=0.1,
        le=60,
        description="seconds between a standby follower's tries for the lock (its takeover time)",
    )
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_pool_max_overflow: int = Field(default=10, ge=0, le=100)

    def in_data_dir(self, name: str) -> Path:
        """Where the embedded default keeps ``name`` (see ``DataFiles``)."""
        return self.data_dir.resolve() / name

    @property
    def jwt_secret_file(self) -> Path:
        return self.in_data_dir(DataFiles.JWT_SECRET)


class DataFiles:
    """What the embedded default keeps in the data directory."""

    POSTGRES = "postgres"
    TEMPORAL_DB = "temporal.db"
    OUTBOX = "outbox"
    JWT_SECRET = "jwt-secret"
    KEK = "kek"
