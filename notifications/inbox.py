"""The in-app inbox: one row per (event, recipient), written by the notifier, read by ``/me``.

One module owns the table, so the writer and the readers cannot drift apart.
A message re-sent after a restart has the same key and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from notifications.channels import Contact, Notification

metadata = MetaData()
inbox = Table(
    "inbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", BigInteger, nullable=False),
    Column("recipient_id", Text, nullable=False, index=True),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_at", DateTime(timezone=True)),
)


def install_inbox(engine: Engine) -> None:
    metadata.create_all(engine)


class InboxChannel:
    name = "inbox"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        install_inbox(engine)

    def send(self, notification: Notification, contact: Contact) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(inbox)
                .values(
                    id=notification.key,
                    event_id=notification.event_id,
                    recipient_id=notification.recipient_id,
                    subject=notification.subject,
                    body=notification.body,
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )


@dataclass(frozen=True)
class InboxMessage:
    id: UUID
    event_id: int
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None


def messages_for(engine: Engine, recipient_id: str, limit: int = 100) -> list[InboxMessage]:
    """A person's messages, newest first."""
    query = (
        select(
            inbox.c.id,
            inbox.c.event_id,
            inbox.c.subject,
            inbox.c.body,
            inbox.c.created_at,
            inbox.c.read_at,
        )
        .where(inbox.c.recipient_id == recipient_id)
        .order_by(inbox.c.created_at.desc(), inbox.c.event_id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [InboxMessage(**row) for row in conn.execute(query).mappings()]
