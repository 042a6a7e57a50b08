"""The in-app inbox: one row per (event, recipient), written by the notifier, read by ``/me``.

One module owns the table, so the writer and the readers cannot drift apart.
A message re-sent after a restart has the same key and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, Engine, Table, Text, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from notifications.channels import Contact, Notification


class _Base(DeclarativeBase):
    pass


class InboxRow(_Base):
    """One message to one person; ``id`` is the notification's key (event and recipient)."""

    __tablename__ = "inbox"
    id: Mapped[UUID] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger)
    recipient_id: Mapped[str] = mapped_column(Text, index=True)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


inbox: Table = InboxRow.__table__  # type: ignore[assignment]
metadata = _Base.metadata


def install_inbox(engine: Engine) -> None:
    metadata.create_all(engine)


class InboxChannel:
    name = "inbox"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        install_inbox(engine)

    def send(self, notification: Notification, contact: Contact) -> None:
        with self.engine.begin() as conn:
            row = {
                "id": notification.key,
                "event_id": notification.event_id,
                "recipient_id": notification.recipient_id,
                "subject": notification.subject,
                "body": notification.body,
            }
            conn.execute(insert(inbox).values(row).on_conflict_do_nothing(index_elements=["id"]))


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
