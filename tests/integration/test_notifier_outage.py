"""A message sent while PostgreSQL went away is recorded as sent once it is back, even by a
notifier that was told to stop meanwhile (the same outage loses it the follower's lock,
and the replica taking over would send whatever is not recorded)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, select

from application.service import CareerFlow
from careerflow.settings import Settings
from notifications import notifier as notifier_module
from notifications.channels import Contact, DomainDirectory, Notification
from notifications.notifier import Notifier
from notifications.sent_ledger import SentLedger, sent
from projections.database import engine_for
from tests.api.tcp_proxy import PgProxy


@dataclass
class DatabaseDiesMidSend:
    """An e-mail channel that accepts the message just as the database goes away."""

    proxy: PgProxy
    name: str = "email"
    accepted: list[uuid.UUID] = field(default_factory=list)

    def send(self, notification: Notification, contact: Contact) -> None:
        self.proxy.cut_off()
        self.accepted.append(notification.key)


def recorded(engine: Engine, key: uuid.UUID) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(sent.c.key).where(sent.c.key == key)).first() is not None


def a_notifier(
    pg_url: str, settings: Settings, app: CareerFlow
) -> tuple[Notifier, PgProxy, Engine]:
    """A notifier whose ledger reaches PostgreSQL through a proxy the channel cuts."""
    proxy = PgProxy(pg_url)
    proxied = engine_for(proxy.url(pg_url), settings.db_schema)
    channel = DatabaseDiesMidSend(proxy)
    notifier = Notifier(app, [channel], DomainDirectory(), ledger=SentLedger(proxied))
    return notifier, proxy, proxied


def message() -> Notification:
    return Notification(event_id=int(time.time() * 1000), recipient_id="ann", subject="s", body="b")


def test_a_stopping_notifier_still_records_what_it_sent_once_the_database_is_back(
    pg_url: str, engine: Engine, fresh_settings: Settings, fresh_app: CareerFlow
) -> None:
    notifier, proxy, proxied = a_notifier(pg_url, fresh_settings, fresh_app)
    notifier._stopping.set()  # the lock went with the database: the follower is stopping
    note = message()
    threading.Timer(1.5, proxy.restore).start()  # PostgreSQL is back after a moment
    started = time.monotonic()
    notifier.send(note)
    waited = time.monotonic() - started
    try:
        assert waited >= 1.0, "it returned before the database was back"
        assert recorded(engine, note.key), "the message went out but is not recorded as sent"
        with notifier.ledger.claim(note.key, "email") as claimed:  # type: ignore[union-attr]
            assert not claimed, "a replica taking over would send it again"
    finally:
        proxied.dispose()


def test_a_stopping_notifier_gives_up_recording_after_its_patience(
    pg_url: str,
    engine: Engine,
    fresh_settings: Settings,
    fresh_app: CareerFlow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notifier_module, "RECORD_PATIENCE", 1.0)
    notifier, _proxy, proxied = a_notifier(pg_url, fresh_settings, fresh_app)
    notifier._stopping.set()
    note = message()
    started = time.monotonic()
    notifier.send(note)  # the database never comes back: a shutdown must still end
    waited = time.monotonic() - started
    try:
        assert 1.0 <= waited < 10, waited
        assert not recorded(engine, note.key)
    finally:
        proxied.dispose()
