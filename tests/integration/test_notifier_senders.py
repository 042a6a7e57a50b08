"""The notifier sends several messages at once, and a failure among them loses nothing.

Each outside message is claimed in the sent ledger while it is sent; a batch whose
send failed is handled again, and then only what did not go out is sent.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine

from application.service import CareerFlow
from notifications.channels import Contact, DomainDirectory, Notification
from notifications.notifier import SENDERS, Notifier
from notifications.sent_ledger import SentLedger


@dataclass
class SlowChannel:
    """An e-mail channel that takes a moment per message and refuses one recipient once."""

    refuse: str
    name: str = "email"
    sent: list[str] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, notification: Notification, contact: Contact) -> None:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.05)
            if notification.recipient_id == self.refuse:
                self.refuse = ""
                raise ConnectionRefusedError("the server is away")
            with self._lock:
                self.sent.append(notification.recipient_id)
        finally:
            with self._lock:
                self.in_flight -= 1


class DatabaseAway(ConnectionError):
    """What the inbox raises while PostgreSQL is away: the batch is handled again."""


def messages(count: int) -> list[Notification]:
    return [
        Notification(event_id=1000 + n, recipient_id=f"p{n}", subject="s", body="b")
        for n in range(count)
    ]


def test_messages_go_out_several_at_once(fresh_app: CareerFlow, engine: Engine) -> None:
    channel = SlowChannel(refuse="")
    notifier = Notifier(fresh_app, [channel], DomainDirectory(), ledger=SentLedger(engine))
    started = time.monotonic()
    notifier.send_all(messages(32))
    assert sorted(channel.sent) == sorted(f"p{n}" for n in range(32))
    assert 1 < channel.most_in_flight <= SENDERS
    assert time.monotonic() - started < 32 * 0.05, "they went one at a time"


def test_a_failure_is_raised_after_the_rest_went_and_a_retry_sends_only_it(
    fresh_app: CareerFlow, engine: Engine
) -> None:
    @dataclass
    class Inbox:
        """An inbox that is away for one recipient's message, once."""

        name: str = "inbox"
        away_for: str = "p3"

        def send(self, notification: Notification, contact: Contact) -> None:
            if notification.recipient_id == self.away_for:
                self.away_for = ""
                raise DatabaseAway()

    channel = SlowChannel(refuse="")
    notifier = Notifier(fresh_app, [Inbox(), channel], DomainDirectory(), ledger=SentLedger(engine))
    batch = messages(10)
    with pytest.raises(DatabaseAway):
        notifier.send_all(batch)
    assert sorted(channel.sent) == sorted(f"p{n}" for n in range(10) if n != 3)
    notifier.send_all(batch)  # the batch handled again: only p3's e-mail goes out now
    assert sorted(channel.sent) == sorted(f"p{n}" for n in range(10))
