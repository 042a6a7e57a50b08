"""A process started while PostgreSQL is away stays up, says not-ready, starts when it is back."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Engine

from application.service import CareerFlow
from careerflow.binaries import careerflow_process
from careerflow.settings import Settings
from domain.commands import RequestMeeting
from tests.api.tcp_proxy import PgProxy
from tests.factories import EMP, at
from tests.integration.conftest import case_phase
from tests.integration.test_application_contract import new_cycle
from tests.integration.test_takeover import free_port, ops


def wait_for(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_follower_waits_out_postgresql_at_start_and_while_running(
    pg_url: str, fresh_settings: Settings, fresh_app: CareerFlow, engine: Engine
) -> None:
    proxy = PgProxy(pg_url)
    proxy.cut_off()  # the database is away before the process starts
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": proxy.url(pg_url),
        "CAREERFLOW_DB_SCHEMA": fresh_settings.db_schema,
        "CAREERFLOW_METRICS_PORT": str(port),
        "CAREERFLOW_DB_CONNECT_TIMEOUT": "1",
    }
    case_id = fresh_app.case_for(new_cycle(fresh_app), EMP).id

    def phase() -> str | None:
        return case_phase(engine, case_id)

    with careerflow_process("projector", env) as projector:
        wait_for(lambda: ops(port, "/healthz")[0] == 200, 30, "no operations port")
        time.sleep(3)  # several attempts
        assert projector.poll() is None, "the process died without its database"
        status, body = ops(port, "/readyz")
        assert status == 503
        assert body["waiting_for"] == "PostgreSQL"
        assert body["status"] == "not ready"

        proxy.restore()
        wait_for(lambda: ops(port, "/readyz")[0] == 200, 60, "never became ready")
        wait_for(lambda: phase() == "preparing", 60, "did not project once it could")

        proxy.cut_off()  # and away again while it runs
        fresh_app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
        wait_for(lambda: ops(port, "/readyz")[0] == 503, 30, "ready without its database")
        time.sleep(2)
        assert projector.poll() is None, "the process died in the outage"
        assert ops(port, "/healthz")[0] == 200, "alive, so not to be restarted"
        proxy.restore()
        wait_for(lambda: phase() == "meeting_requested", 60, "did not resume")
        assert ops(port, "/readyz")[0] == 200
