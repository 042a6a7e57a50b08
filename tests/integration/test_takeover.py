"""Followers that cannot run twice and cannot stay dead: the lock and a standby's takeover."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.request
from typing import Any

import psycopg
from sqlalchemy import Engine

from application.service import CareerFlow
from careerflow.binaries import careerflow_process
from careerflow.settings import Settings
from domain.commands import RequestMeeting
from eventlog.leadership import Leadership
from tests.factories import EMP, at
from tests.integration.conftest import case_phase
from tests.integration.test_application_contract import new_cycle


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ops(port: int, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            body = answer.read()
            status = answer.status
    except urllib.error.HTTPError as refused:
        body, status = refused.read(), refused.code
    except OSError:
        return 0, None
    return status, json.loads(body) if path != "/metrics" else body.decode()


def role(port: int) -> str | None:
    status, body = ops(port, "/readyz")
    if status != 200:
        return None
    found: str | None = body["followers"].get("projector")
    return found


def test_only_one_holds_a_followers_lock_and_a_lost_connection_frees_it(
    pg_url: str, fresh_settings: Settings
) -> None:
    first = Leadership(pg_url, fresh_settings.db_schema, "relay")
    second = Leadership(pg_url, fresh_settings.db_schema, "relay")
    other = Leadership(pg_url, fresh_settings.db_schema, "notifier")
    try:
        assert first.try_acquire()
        assert not second.try_acquire(), "two replicas held the same follower's lock"
        assert other.try_acquire(), "another follower's lock is its own"
        assert first.still_held()
        assert first._conn is not None
        pid = first._conn.info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as admin:  # its session dies
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert not first.still_held(), "a dead session still counted as holding the lock"
        deadline = time.monotonic() + 5
        while not second.try_acquire():
            assert time.monotonic() < deadline, "the lock was not free after its session ended"
            time.sleep(0.05)
    finally:
        for leadership in (first, second, other):
            leadership.release()


def test_a_standby_projector_takes_over_within_seconds_of_a_kill(
    fresh_settings: Settings, fresh_app: CareerFlow, engine: Engine
) -> None:
    assert fresh_settings.database_url is not None
    base = os.environ | {
        "DATABASE_URL": fresh_settings.database_url,
        "CAREERFLOW_DB_SCHEMA": fresh_settings.db_schema,
        "CAREERFLOW_STANDBY_POLL": "0.5",
    }
    ports = [free_port(), free_port()]
    case_id = fresh_app.case_for(new_cycle(fresh_app), EMP).id

    def phase() -> str | None:
        return case_phase(engine, case_id)

    def wait_for(condition: Any, seconds: float, what: str) -> float:
        started = time.monotonic()
        while not condition():
            assert time.monotonic() - started < seconds, what
            time.sleep(0.05)
        return time.monotonic() - started

    with (
        careerflow_process("projector", base | {"CAREERFLOW_METRICS_PORT": str(ports[0])}) as a,
        careerflow_process("projector", base | {"CAREERFLOW_METRICS_PORT": str(ports[1])}) as b,
    ):
        wait_for(lambda: None not in (role(ports[0]), role(ports[1])), 60, "never started")
        roles = [role(port) for port in ports]
        assert sorted(roles) == ["active", "standby"], roles  # type: ignore[type-var]
        active, standby = (a, ports[1]) if roles[0] == "active" else (b, ports[0])
        wait_for(lambda: phase() == "preparing", 60, "the active projector did not project")
        _, metrics = ops(standby, "/metrics")
        assert 'careerflow_follower_active{follower="projector"} 0.0' in metrics
        assert "careerflow_follower_events_total{" not in metrics, "the standby read the log"

        active.send_signal(signal.SIGKILL)
        active.wait()
        took = wait_for(lambda: role(standby) == "active", 10, "the standby never took over")
        fresh_app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
        wait_for(lambda: phase() == "meeting_requested", 10, "the new active did not project")
        assert took < 5, f"takeover took {took:.1f} s"
