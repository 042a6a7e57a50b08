"""The sent ledger: a message claimed and sent is not sent again; a failed send is retried."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import Engine

from notifications.sent_ledger import SentLedger


class Refused(Exception):
    pass


def test_a_claim_commits_with_the_send_and_rolls_back_without_it(engine: Engine) -> None:
    ledger = SentLedger(engine)
    key = uuid.uuid4()

    def refused_send() -> None:
        with ledger.claim(key, "email") as claimed:
            assert claimed
            raise Refused  # the SMTP server refused: nothing recorded

    with pytest.raises(Refused):
        refused_send()
    with ledger.claim(key, "email") as claimed:
        assert claimed, "a failed send was remembered as sent"
    with ledger.claim(key, "email") as claimed:
        assert not claimed, "a sent message was claimed again"
    with ledger.claim(key, "webhook") as claimed:
        assert claimed, "each channel is its own"
    ledger.record(key, "email")  # recording again changes nothing
    with ledger.claim(key, "email") as claimed:
        assert not claimed


def test_two_notifiers_at_once_send_a_message_once(engine: Engine) -> None:
    ledger = SentLedger(engine)
    key = uuid.uuid4()
    sends: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with ledger.claim(key, "email") as claimed:
            first_in.set()
            time.sleep(0.5)  # sending, the claim not yet committed
            if claimed:
                sends.append("first")

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with ledger.claim(key, "email") as claimed:  # waits for the first to commit
        if claimed:
            sends.append("second")
    thread.join()
    assert sends == ["first"]
