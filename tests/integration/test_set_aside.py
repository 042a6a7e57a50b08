"""One bad event never stops a follower: it is retried, set aside with a record, and skipped.

Each follower is fed a log in which one event makes it fail for good (as an oversized
or unstorable event did); the follower must go on with everything after it, record
what it set aside, and try it again when an operator asks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select

from application.service import CareerFlow
from careerflow.settings import Settings
from domain import case_events as ev
from domain.commands import AcceptMeeting, RequestMeeting
from eventlog.follower import Delivery
from eventlog.set_aside import SetAside
from notifications.channels import DomainDirectory
from notifications.inbox import InboxChannel, messages_for
from notifications.notifier import Notifier
from projections.case_status import CaseStatus, case_status
from projections.runner import ProjectionRunner
from tests.factories import EMP, MGR, at
from tests.integration.test_application_contract import new_cycle

POISON: set[int] = set()
"""Positions of the events the poisoned followers cannot handle (until cured)."""


class PoisonedStatus(CaseStatus):
    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if position in POISON:
            raise ValueError("cannot store this event")
        super().apply(conn, event, position)


class PoisonedNotifier(Notifier):
    def handle(self, batch: Any) -> int:
        for delivery in batch:
            if delivery.position in POISON:
                raise ValueError("cannot render this event")
        return super().handle(batch)


@contextmanager
def running(target: Callable[[threading.Event], None]) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def eventually(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def poisoned(fresh_app: CareerFlow) -> Iterator[tuple[Any, int]]:
    """A case whose meeting request is poison; the manager's answer comes after it."""
    app = fresh_app
    case_id = app.case_for(new_cycle(app), EMP).id
    app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
    requested = app.recorder.max_notification_id() or 0
    app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
    POISON.add(requested)
    yield case_id, requested
    POISON.discard(requested)


def test_a_read_model_sets_a_bad_event_aside_and_goes_on(
    fresh_app: CareerFlow, engine: Engine, poisoned: tuple[Any, int]
) -> None:
    app, (case_id, requested) = fresh_app, poisoned
    runner = ProjectionRunner(app, engine, PoisonedStatus())
    head = app.recorder.max_notification_id() or 0
    with running(runner.run):
        eventually(lambda: runner.tracking.position() == head)
        with engine.connect() as conn:
            phase = conn.execute(
                select(case_status.c.phase).where(case_status.c.case_id == case_id)
            ).scalar()
        assert phase == "meeting_scheduled"  # the event after the poison was applied
        set_aside = SetAside(app, "case_status")
        (entry,) = set_aside.unresolved()
        assert entry["position"] == requested
        assert "cannot store this event" in entry["error"]
        assert entry["topic"].endswith("DevelopmentCase.MeetingRequested")
        POISON.discard(requested)  # the cause is fixed; the operator asks for a retry
        assert set_aside.request_retry() == 1
        eventually(lambda: not set_aside.unresolved())
        with engine.connect() as conn:
            requested_at = conn.execute(
                select(case_status.c.meeting_requested_at).where(case_status.c.case_id == case_id)
            ).scalar()
        assert requested_at == at(1)


def test_the_notifier_sets_a_bad_event_aside_and_goes_on(
    fresh_app: CareerFlow, engine: Engine, poisoned: tuple[Any, int]
) -> None:
    app, (_, requested) = fresh_app, poisoned
    inbox = InboxChannel(engine)
    notifier = PoisonedNotifier(app, [inbox], DomainDirectory())
    with running(lambda stop: notifier.run(stop, name="notifier")):
        eventually(lambda: bool(SetAside(app, "notifier").unresolved()))
        eventually(lambda: len(messages_for(engine, EMP)) == 1)  # the acceptance
    (entry,) = SetAside(app, "notifier").unresolved()
    assert entry["position"] == requested
    assert [m.subject for m in messages_for(engine, EMP)] == ["Career conversation scheduled"]
    assert messages_for(engine, MGR)[0].subject == "Career conversation scheduled"


def test_set_aside_followers_make_the_service_degraded(
    fresh_app: CareerFlow, fresh_settings: Settings
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from careerflow.wiring import build_services

    case_id = fresh_app.case_for(new_cycle(fresh_app), EMP).id
    event = next(iter(fresh_app.events.get(case_id)))
    assert isinstance(event, ev.CaseOpened)
    SetAside(fresh_app, "relay").record(Delivery(event, 1), ValueError("too large"))
    assert fresh_settings.database_url is not None
    settings = fresh_settings.model_copy(update={"jwt_secret": "s" * 40})
    url = fresh_settings.database_url
    services = build_services(settings, fresh_app, url, temporal_address=None)
    with TestClient(create_app(services)) as client:
        body = client.get("/readyz").json()
    assert body["status"] == "degraded"
    assert body["set_aside"][0]["follower"] == "relay"
    assert "too large" in body["set_aside"][0]["error"]
