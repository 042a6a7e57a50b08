"""Notifications over real channels: SMTP on loopback (aiosmtpd), an HTTP webhook,
the stored inbox and the embedded default's .eml files."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller

from application.service import CareerFlow
from careerflow.settings import Settings
from domain.base import SYSTEM_ACTOR
from domain.commands import AcceptMeeting, RequestMeeting
from domain.timer_commands import RemindCase
from domain.values import Participants, Party
from notifications.channels import (
    Channel,
    DomainDirectory,
    EmlFileChannel,
    SmtpChannel,
    WebhookChannel,
)
from notifications.inbox import InboxChannel, messages_for
from notifications.notifier import Notifier
from projections.database import engine_for
from tests.factories import at, open_cycle_with


class Mailbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Mailbox]]:
    box = Mailbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, box
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


def wait_for(check: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_an_accepted_meeting_and_a_reminder_reach_every_channel(
    fresh_app: CareerFlow,
    fresh_settings: Settings,
    smtp: tuple[Controller, Mailbox],
    webhook: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    app = fresh_app
    controller, mailbox = smtp
    hook_url, posts = webhook
    assert fresh_settings.database_url is not None
    inbox = InboxChannel(engine_for(fresh_settings.database_url, fresh_settings.db_schema))
    channels: list[Channel] = [
        inbox,
        SmtpChannel(host=controller.hostname, port=controller.port),
        WebhookChannel(hook_url),
        EmlFileChannel(tmp_path / "mail"),
    ]
    notifier = Notifier(app, channels, DomainDirectory("example.test"))
    stop = threading.Event()
    thread = threading.Thread(target=notifier.run, args=(stop,), daemon=True)
    thread.start()
    try:
        cycle_id = open_cycle_with(app, [Participants(employee_id="ann", manager_id="bo")])
        case_id = app.case_for(cycle_id, "ann").id
        meeting = at(10)
        app.execute(case_id, RequestMeeting(proposed_for=meeting), actor="ann", at=at(1))
        app.execute(case_id, AcceptMeeting(), actor="bo", at=at(2))
        app.execute(
            case_id,
            RemindCase(
                deadline="prep", owner=Party.EMPLOYEE, reason="self-assessment due", due_at=at(14)
            ),
            actor=SYSTEM_ACTOR,
            at=at(12),
        )
        # request → manager; accepted → both; reminder → employee: four messages
        wait_for(lambda: len(mailbox.messages) == 4 and len(posts) == 4)
    finally:
        stop.set()
        thread.join(timeout=10)

    accepted = [m for m in mailbox.messages if m["Subject"] == "Career conversation scheduled"]
    assert sorted(m["To"] for m in accepted) == ["ann <ann@example.test>", "bo <bo@example.test>"]
    (invite,) = [part for part in accepted[0].walk() if part.get_content_type() == "text/calendar"]
    payload = invite.get_payload(decode=True)
    assert isinstance(payload, bytes)
    calendar = icalendar.Calendar.from_ical(payload)
    (vevent,) = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == meeting
    assert vevent.decoded("dtend") - vevent.decoded("dtstart") == timedelta(hours=1)

    assert any("Time left: 2 days" in p["text"] for p in posts)

    def subjects(person: str) -> list[str]:
        messages = sorted(messages_for(inbox.engine, person), key=lambda m: m.event_id)
        return [m.subject for m in messages]

    reminder = f"Reminder: the self-assessment for ann, due {at(14):%a %d %b %Y %H:%M} UTC"
    assert subjects("ann") == ["Career conversation scheduled", reminder]
    assert subjects("bo") == [
        "ann asks for a career conversation",
        "Career conversation scheduled",
    ]
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 4
    parsed = email.message_from_bytes(files[-1].read_bytes())
    assert parsed["Subject"] == reminder

    # Re-delivering the same events (a restart) adds nothing to the inbox.
    notes = app.recorder.select_notifications(start=1, limit=1000)
    from eventlog.follower import Delivery

    notifier.channels = [inbox]
    notifier.handle([Delivery(app.mapper.to_domain_event(n), n.id) for n in notes])
    assert len(messages_for(inbox.engine, "ann")) == 2
