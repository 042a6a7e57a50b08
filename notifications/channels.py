"""Notifications: one port, several channels.

What to tell whom is decided from domain events by the notifier; how it travels
is a channel: the in-app inbox (``inbox.py``), e-mail over SMTP (or ``.eml`` files
in the embedded default), and Slack-compatible webhooks. An accepted meeting's e-mail carries an
``.ics`` invitation built with ``icalendar``.
"""

from __future__ import annotations

import contextlib
import email.policy
import smtplib
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import encoders, policy
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.parser import BytesParser
from email.utils import formataddr
from pathlib import Path
from typing import Protocol, runtime_checkable
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import httpx
import icalendar
from prometheus_client import Counter

from notifications import translations
from notifications.chat_actions import ChatAction, slack_message

MEETING_LENGTH = timedelta(hours=1)

NOTIFICATIONS = Counter(
    "careerflow_notifications_total",
    "Messages by channel and outcome (sent, failed, repeat: already sent before a restart)",
    ["channel", "outcome"],
)

NOTIFICATION_NAMESPACE = UUID("2f8f6f0e-41c4-4a0b-9d55-0c6f3f1f7a10")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Notification:
    """One message to one person, caused by one event (so re-sending is detectable)."""

    event_id: int
    recipient_id: str
    subject: str
    body: str
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    link: str | None = None
    """Where the message's subject lives (the case, or the action item)."""
    digest_at: datetime | None = None
    """Set for an escalation its policy gathers into a daily digest: the digest's time."""
    actions: tuple[ChatAction, ...] = ()
    """The next step as chat buttons, where it needs no text (``chat_actions.py``)."""
    page: str | None = None
    """The page of the case it is about (chat's *Open* button)."""

    @property
    def key(self) -> UUID:
        return uuid5(NOTIFICATION_NAMESPACE, f"{self.event_id}:{self.recipient_id}")


@dataclass(frozen=True)
class Contact:
    person_id: str
    email: str
    name: str
    timezone: str = "UTC"
    locale: str | None = None
    """Their language (the roster's ``locale``); messages to them speak it where careerflow can."""

    def local(self, moment: datetime) -> str:
        """A time as this person reads it: their time zone, to the minute."""
        return translations.when(moment, ZoneInfo(self.timezone))


class Directory(Protocol):
    def contact(self, person_id: str) -> Contact: ...

    def for_batch(self) -> Directory:
        """The directory as it is now, for a batch of messages (looked up once, not per name)."""
        ...


@dataclass(frozen=True)
class DomainDirectory:
    """Until the roster is imported: ``person@domain``."""

    domain: str = "careerflow.invalid"

    def contact(self, person_id: str) -> Contact:
        return Contact(person_id=person_id, email=f"{person_id}@{self.domain}", name=person_id)

    def for_batch(self) -> DomainDirectory:
        return self


class Channel(Protocol):
    name: str

    def send(self, notification: Notification, contact: Contact) -> None: ...


@runtime_checkable
class BatchChannel(Channel, Protocol):
    """A channel that takes a batch's messages at once (the inbox: one statement)."""

    def send_many(self, messages: Sequence[tuple[Notification, Contact]]) -> None: ...


def meeting_invitation(
    case_id: UUID,
    start: datetime,
    employee: Contact,
    manager: Contact,
    sequence: int = 0,
    method: str = "REQUEST",
) -> Attachment:
    """An iCalendar invitation for the career conversation, naming both people.

    One UID per case: a moved meeting is the same event with a higher SEQUENCE, a
    called-off one the same event with ``METHOD:CANCEL`` and ``STATUS:CANCELLED``.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//careerflow//career conversation//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", f"career-conversation-{case_id}@careerflow")
    event.add("summary", f"Career conversation: {employee.name} and {manager.name}")
    event.add("dtstart", start)
    event.add("dtend", start + MEETING_LENGTH)
    event.add("dtstamp", start)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{employee.email}")
    organizer.params["cn"] = icalendar.vText(employee.name)
    event.add("organizer", organizer)
    for person in (employee, manager):
        attendee = icalendar.vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = icalendar.vText(person.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return Attachment("invite.ics", "text/calendar", calendar.to_ical())


MAIL_POLICY = email.policy.compat32.clone(max_line_length=998)
"""RFC 5322's hard limit: a long subject stays on its line instead of being folded
after ``Subject:`` (which many readers show with a leading blank)."""

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = 0  # neither QP nor BASE64: 7bit or 8bit, readable as it was written
_UTF8.header_encoding = QP


def email_message(notification: Notification, contact: Contact, sender: str) -> Message:
    """The e-mail, built with the standard library's plain (compat32) classes.

    The modern ``EmailMessage`` parses every header it is given back into tokens (the
    addresses, the content type's parameters): a third of the notifier's time in a
    storm. Here the headers are written as they are, non-ASCII words encoded (RFC
    2047) and the body sent as it is.
    """
    text = MIMENonMultipart("text", "plain", policy=MAIL_POLICY)
    text.set_payload(notification.body, _UTF8)
    message: Message = text
    if notification.attachments:
        message = MIMEMultipart(policy=MAIL_POLICY)
        message.attach(text)
        for attachment in notification.attachments:
            maintype, subtype = attachment.content_type.split("/", 1)
            part = MIMEBase(maintype, subtype, policy=MAIL_POLICY)
            part.set_payload(attachment.content)
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            message.attach(part)
    message["From"] = sender
    message["To"] = formataddr((contact.name, contact.email), charset=_UTF8)
    subject = notification.subject
    message["Subject"] = subject if subject.isascii() else Header(subject, _UTF8).encode()
    message["Message-ID"] = f"<{notification.key}@careerflow>"  # the same on every resend
    return message


@dataclass
class SmtpChannel:
    """E-mail over SMTP sessions kept open between messages, one per sending thread.

    A session per message cost a connection and a greeting each (three round trips
    before the message itself), which bounded how fast a burst of escalations went
    out. The notifier sends from several threads at once; each takes an idle session
    (or opens one) and gives it back after the message, so there are never more
    sessions than threads sending. A session the server closed while idle is opened
    again once; any other failure closes it and is the caller's (the notifier
    retries the message later).
    """

    host: str
    port: int
    sender: str = "careerflow <careerflow@careerflow.invalid>"
    name: str = "email"
    timeout: float = 10
    _idle: list[smtplib.SMTP] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def send(self, notification: Notification, contact: Contact) -> None:
        message = email_message(notification, contact, self.sender)
        session, reused = self._take()
        try:
            try:
                session.send_message(message)
            except smtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                _close(session)
                session = self._open()  # the idle session had been closed by the server
                session.send_message(message)
        except Exception:
            _close(session)
            raise
        with self._lock:
            self._idle.append(session)

    def close(self) -> None:
        with self._lock:
            sessions, self._idle = self._idle, []
        for session in sessions:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                session.quit()
            _close(session)

    def _take(self) -> tuple[smtplib.SMTP, bool]:
        """An idle session (True: it may have been closed meanwhile) or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._open(), False

    def _open(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def _close(session: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        session.close()


def _readable(raw: bytes) -> str:
    """A message's headers and text parts, decoded (a name may be encoded in either)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    parts = [str(v) for v in message.values()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))
    return "\n".join(parts)


@dataclass
class EmlFileChannel:
    """The embedded default's e-mail: one ``.eml`` file per message in the data directory."""

    directory: Path
    sender: str = "careerflow <careerflow@careerflow.invalid>"
    name: str = "email"

    def send(self, notification: Notification, contact: Contact) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{notification.event_id:012d}-{contact.person_id}.eml"
        path.write_bytes(bytes(email_message(notification, contact, self.sender)))

    def erase_about(self, event_ids: Collection[int]) -> int:
        """Delete the files about these events (their data was erased)."""
        return self.erase("", set(event_ids), ())

    def erase(self, person_id: str, event_ids: Collection[int], words: Sequence[str]) -> int:
        """Delete the files to the person, about their events, or naming them (an erasure)."""
        removed = 0
        for path in self.directory.glob("*.eml") if self.directory.is_dir() else ():
            number, _, recipient = path.stem.partition("-")
            content = _readable(path.read_bytes())
            if (
                (person_id and recipient == person_id)
                or (number.isdigit() and int(number) in event_ids)
                or any(w and w in content for w in words)
            ):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


@dataclass
class WebhookChannel:
    """Slack-compatible incoming webhook: ``text``, and Block Kit buttons for the next step."""

    url: str
    name: str = "webhook"
    public_url: str | None = None
    """Where people open careerflow: the *Open* button's address (none without it)."""

    def send(self, notification: Notification, contact: Contact) -> None:
        message = slack_message(
            f"{notification.subject} (for {contact.name})",
            notification.body,
            actions=notification.actions,
            page=notification.page,
            public_url=self.public_url,
        )
        response = httpx.post(self.url, json=message, timeout=10)
        response.raise_for_status()
