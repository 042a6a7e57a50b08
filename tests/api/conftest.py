"""The real API app (FastAPI + PostgreSQL) under httpx, with a clock the test moves.

Every test gets a schema of its own (the roster and the cycle catalog are
singletons), the demo company's roster imported over HTTP, and a cycle opened.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.auth import Role, Tokens
from application.service import CareerFlow
from careerflow.demo_org import DEMO_ROSTER_CSV
from careerflow.settings import Settings
from careerflow.storage import drop_schema, ensure_schema, eventsourcing_env
from careerflow.wiring import build_services
from projections.catalog import read_models
from projections.runner import ProjectionRunner
from tests.factories import CYCLE_CLOSES, T0

API = "/api/v1"
EMPLOYEE, MANAGER, SKIP, HR_PARTNER, STRANGER = "ada", "grace", "edsger", "frances", "margaret"
HR_ADMIN, AUDITOR = "hedy", "auditor"


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def to(self, days: float) -> None:
        """Move to ``days`` after the cycle opened."""
        self.now = T0 + timedelta(days=days)


@dataclass
class Api:
    """An httpx client on the app, with tokens for anyone."""

    client: TestClient
    tokens: Tokens
    application: CareerFlow
    clock: Clock
    engine: Engine
    cycle_id: UUID | None = None
    _headers: dict[tuple[str, frozenset[Role]], dict[str, str]] = field(default_factory=dict)

    def auth(self, who: str, *roles: Role) -> dict[str, str]:
        key = (who, frozenset(roles))
        if key not in self._headers:
            token = self.tokens.issue(who, frozenset(roles))
            self._headers[key] = {"Authorization": f"Bearer {token}"}
        return self._headers[key]

    def as_(self, who: str) -> dict[str, str]:
        """Headers for a person, with the roles the demo company gives them."""
        if who == HR_ADMIN:
            return self.auth(who, Role.HR_ADMIN)
        if who == AUDITOR:
            return self.auth(who, Role.AUDITOR)
        return self.auth(who)

    def get(self, path: str, who: str, **kw: Any) -> Any:
        return self.client.get(API + path, headers=self.as_(who), **kw)

    def post(self, path: str, who: str, json: Any = None, key: str | None = None, **kw: Any) -> Any:
        headers = dict(self.as_(who))
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(API + path, headers=headers, json=json, **kw)

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    def project(self) -> None:
        """Bring every read model up to the head of the log (what the projector does)."""
        for model in read_models():
            ProjectionRunner(self.application, self.engine, model).catch_up()

    def case_id(self, employee: str = EMPLOYEE) -> UUID:
        assert self.cycle_id is not None
        return self.application.case_for(self.cycle_id, employee).id

    def hold_meeting(self) -> str:
        """The employee's meeting requested, accepted and held on day 10; the case's path."""
        case = f"/cases/{self.case_id()}"
        self.clock.to(1)
        proposed = {"proposed_for": (T0 + timedelta(days=10)).isoformat()}
        self.ok(self.post(f"{case}/meeting/request", EMPLOYEE, proposed))
        self.ok(self.post(f"{case}/meeting/accept", MANAGER))
        self.clock.to(10)
        self.ok(self.post(f"{case}/meeting/held", MANAGER, {}))
        return case


def build_api(settings: Settings, url: str) -> Iterator[Api]:
    application = CareerFlow(env=eventsourcing_env(url, settings))
    clock = Clock()
    settings = settings.model_copy(update={"jwt_secret": "test-secret-" + "x" * 32})
    services = build_services(settings, application, url, temporal_address=None, clock=clock)
    with TestClient(create_app(services)) as client:
        yield Api(client, services.tokens, application, clock, services.read_engine)
    application.close()


@pytest.fixture
def bare_api(pg_url: str, fresh_settings: Settings) -> Iterator[Api]:
    """The API on an empty store."""
    yield from build_api(fresh_settings, pg_url)


@pytest.fixture
def api(bare_api: Api) -> Api:
    """The API with the demo company's roster and an open cycle (T0 .. CYCLE_CLOSES)."""
    return with_company(bare_api)


def with_company(bare_api: Api) -> Api:
    """The demo company's roster imported and a cycle opened for it (T0 .. CYCLE_CLOSES)."""
    bare_api.ok(
        bare_api.client.post(
            f"{API}/roster/import",
            content=DEMO_ROSTER_CSV,
            headers={**bare_api.as_(HR_ADMIN), "Content-Type": "text/csv"},
        )
    )
    cycle = bare_api.ok(
        bare_api.post(
            "/cycles",
            HR_ADMIN,
            {
                "name": "Career conversations 2026",
                "opens_at": T0.isoformat(),
                "closes_at": CYCLE_CLOSES.isoformat(),
            },
        ),
        201,
    )
    bare_api.cycle_id = UUID(cycle["id"])
    bare_api.ok(bare_api.post(f"/cycles/{cycle['id']}/open", HR_ADMIN))
    return bare_api


@contextlib.contextmanager
def api_on_own_schema(pg_url: str, prefix: str) -> Iterator[Api]:
    """An API on a schema of its own (for module-scoped fixtures), dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    ensure_schema(pg_url, schema)
    apis = build_api(Settings(database_url=pg_url, db_schema=schema), pg_url)
    try:
        yield next(apis)
    finally:
        for _ in apis:  # closes the application
            pass
        drop_schema(pg_url, schema)
