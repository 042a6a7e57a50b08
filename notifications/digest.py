"""Daily digests: the escalations addressed to one person, sent as one message at their hour.

The notifier writes each escalation to the inbox at once and asks for a digest at
the policy's hour in the recipient's own time zone (``next_digest_time``); a
Temporal workflow per recipient waits for that time and calls ``DigestSender``,
which gathers the escalations from the inbox and sends one message on the other
channels (e-mail, webhook).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from domain.roster import ERASED_EMAIL
from notifications.channels import NOTIFICATIONS, Channel, Directory, Notification
from notifications.inbox import inbox

TASKS_LINK = "/api/v1/me/tasks"


def next_digest_time(after: datetime, hour: int, timezone: str) -> datetime:
    """The first ``hour``:00 in ``timezone`` strictly after ``after`` (a DST day included)."""
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour), tzinfo=zone)
    return candidate.astimezone(UTC)


@dataclass(frozen=True)
class Gathered:
    event_id: int
    subject: str
    body: str


def compose_digest(recipient_id: str, items: Sequence[Gathered]) -> Notification:
    count = len(items)
    noun = "escalation" if count == 1 else "escalations"
    parts = [f"{count} {noun} reached you since the last digest.", ""]
    for number, item in enumerate(items, start=1):
        parts += [f"{number}. {item.subject}", *(f"   {line}" for line in item.body.splitlines())]
        parts.append("")
    parts.append(f"Everything you must do now: {TASKS_LINK}")
    return Notification(
        event_id=max(item.event_id for item in items),
        recipient_id=recipient_id,
        subject=f"Daily digest: {count} {noun} for you",
        body="\n".join(parts),
        link=TASKS_LINK,
    )


class NotYetInInbox(Exception):
    """An escalation the digest should hold is not in the inbox yet: try again shortly."""


class DigestSender:
    """Gathers a person's escalations from the inbox and sends them as one message."""

    def __init__(self, engine: Engine, channels: Sequence[Channel], directory: Directory) -> None:
        self.engine = engine
        self.channels = [c for c in channels if c.name != "inbox"]  # the inbox has each one
        self.directory = directory

    def gather(self, recipient_id: str, event_ids: Sequence[int]) -> list[Gathered]:
        c = inbox.c
        query = (
            select(c.event_id, c.subject, c.body)
            .where(c.recipient_id == recipient_id, c.event_id.in_(list(event_ids)))
            .order_by(c.event_id)
        )
        with self.engine.connect() as conn:
            rows = [Gathered(**row) for row in conn.execute(query).mappings()]
        missing = set(event_ids) - {row.event_id for row in rows}
        if missing:
            raise NotYetInInbox(f"{len(missing)} escalations for {recipient_id} not in the inbox")
        return rows

    def send(self, recipient_id: str, event_ids: Sequence[int]) -> int:
        """Send the digest of these escalations; returns how many it held."""
        contact = self.directory.contact(recipient_id)
        if not event_ids or contact.email == ERASED_EMAIL:
            return 0  # (nothing goes to a person whose data was erased: their inbox is gone)
        digest = compose_digest(recipient_id, self.gather(recipient_id, event_ids))
        for channel in self.channels:
            try:
                channel.send(digest, contact)
            except Exception:
                NOTIFICATIONS.labels(channel.name, "failed").inc()
                raise  # the activity is retried by Temporal
            NOTIFICATIONS.labels(channel.name, "sent").inc()
        return len(event_ids)
