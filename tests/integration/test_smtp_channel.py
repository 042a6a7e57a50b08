"""The SMTP channel keeps one session open and opens another when the server closed it."""

from __future__ import annotations

import smtplib
import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from notifications.channels import Contact, Notification, SmtpChannel


class Recorder:
    """Which client port (one per session) each message came in on."""

    def __init__(self) -> None:
        self.peers: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.append(session.peer)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def message(n: int) -> Notification:
    return Notification(event_id=n, recipient_id="ann", subject=f"s{n}", body="b")


ANN = Contact("ann", "ann@example.test", "Ann")


def test_one_session_carries_many_messages_and_a_closed_one_is_reopened() -> None:
    port, recorder = free_port(), Recorder()
    server = Controller(recorder, hostname="127.0.0.1", port=port)
    server.start()
    channel = SmtpChannel("127.0.0.1", port)
    try:
        for n in range(5):
            channel.send(message(n), ANN)
        assert len(recorder.peers) == 5
        assert len(set(recorder.peers)) == 1, "every message opened a session of its own"

        server.stop()  # the server goes away and comes back: the kept session is dead
        server = Controller(recorder, hostname="127.0.0.1", port=port)
        server.start()
        channel.send(message(5), ANN)
        assert len(recorder.peers) == 6
        assert recorder.peers[5] != recorder.peers[0]
    finally:
        channel.close()
        server.stop()


def test_a_server_that_is_away_is_an_error_for_the_caller() -> None:
    channel = SmtpChannel("127.0.0.1", free_port(), timeout=2)
    with pytest.raises((OSError, smtplib.SMTPException)):
        channel.send(message(1), ANN)
