"""The in-app inbox: one row per (event, recipient), written by the notifier, read by ``/me``.

One module owns the table, so the writer and the readers cannot drift apart.
A message re-sent after a restart has the same key and adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Table,
    Text,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.personal import ERASED
from eventlog.bulk_insert import insert_unnested
from eventlog.setup_lock import schema_setup
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
    link: Mapped[str | None] = mapped_column(Text)


inbox: Table = InboxRow.__table__  # type: ignore[assignment]
metadata = _Base.metadata


def install_inbox(engine: Engine) -> None:
    with schema_setup(engine):
        metadata.create_all(engine)
        with engine.begin() as conn:  # an inbox made before messages had links
            conn.execute(text("ALTER TABLE inbox ADD COLUMN IF NOT EXISTS link text"))


_SQL_TYPES = {
    "id": "uuid", "event_id": "bigint", "recipient_id": "text", "subject": "text",
    "body": "text", "link": "text",
}  # fmt: skip
"""The columns a message fills, as PostgreSQL types (for ``insert_unnested``)."""


class InboxChannel:
    name = "inbox"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        install_inbox(engine)

    def send(self, notification: Notification, contact: Contact) -> None:
        self.send_many([(notification, contact)])

    def erase_about(self, event_ids: Sequence[int]) -> int:
        """Blank the messages about these events (their data was erased)."""
        return erase_messages(self.engine, "", event_ids, ())

    def send_many(self, messages: Sequence[tuple[Notification, Contact]]) -> None:
        """A batch's messages in one statement, its columns as arrays (one per message cost
        a transaction each, the notifier's largest share in a storm; rows written through
        SQLAlchemy cost a statement built anew for every batch's length)."""
        rows = [
            {
                "id": notification.key,
                "event_id": notification.event_id,
                "recipient_id": notification.recipient_id,
                "subject": notification.subject,
                "body": notification.body,
                "link": notification.link,
            }
            for notification, _ in messages
        ]
        with self.engine.begin() as conn:
            insert_unnested(conn, inbox.name, rows, _SQL_TYPES, conflict="id")


@dataclass(frozen=True)
class InboxMessage:
    id: UUID
    event_id: int
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


def messages_for(
    engine: Engine,
    recipient_id: str,
    limit: int = 100,
    *,
    offset: int = 0,
    unread_only: bool = False,
) -> list[InboxMessage]:
    """A person's messages, newest first, a page at a time."""
    c = inbox.c
    query = (
        select(c.id, c.event_id, c.subject, c.body, c.link, c.created_at, c.read_at)
        .where(c.recipient_id == recipient_id)
        .order_by(c.created_at.desc(), c.event_id.desc())
        .limit(limit)
        .offset(offset)
    )
    if unread_only:
        query = query.where(c.read_at.is_(None))
    with engine.connect() as conn:
        return [InboxMessage(**row) for row in conn.execute(query).mappings()]


def has_message(engine: Engine, recipient_id: str, message_id: UUID) -> bool:
    query = select(inbox.c.id).where(inbox.c.id == message_id, inbox.c.recipient_id == recipient_id)
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def unread_count(engine: Engine, recipient_id: str) -> int:
    query = (
        select(func.count())
        .select_from(inbox)
        .where(inbox.c.recipient_id == recipient_id, inbox.c.read_at.is_(None))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def mark_read(
    engine: Engine, recipient_id: str, at: datetime, message_id: UUID | None = None
) -> int:
    """Mark one message (or, without an id, all of them) read; returns how many changed.

    Read state is the reader's, not a fact of the process: it is kept here, not in the log.
    """
    statement = (
        update(inbox)
        .where(inbox.c.recipient_id == recipient_id, inbox.c.read_at.is_(None))
        .values(read_at=at)
    )
    if message_id is not None:
        statement = statement.where(inbox.c.id == message_id)
    with engine.begin() as conn:
        return conn.execute(statement).rowcount


def erase_messages(
    engine: Engine, person_id: str, event_ids: Sequence[int], words: Sequence[str]
) -> int:
    """Delete the messages to the person; blank the others about their events or naming
    them (an erasure: ``words`` are their name and e-mail, read before their key was
    destroyed). A blanked message keeps its place, time and link, so a digest that
    holds it still finds it."""
    install_inbox(engine)  # (a store whose notifier never ran has none yet)
    c = inbox.c
    naming = [func.strpos(c.subject + " " + c.body, w) > 0 for w in words if w]
    about = or_(c.event_id.in_(list(event_ids)), *naming)
    with engine.begin() as conn:
        gone = conn.execute(delete(inbox).where(c.recipient_id == person_id)).rowcount
        blanked = conn.execute(
            update(inbox).where(about, c.body != ERASED).values(subject=ERASED, body=ERASED)
        ).rowcount
        return gone + blanked
