"""Which messages already went out on which outside channel (e-mail, webhook).

The notifier records its log position after a batch, so a notifier killed mid-batch,
or a standby taking over, hands the same events again. The inbox shrugs that off
(its rows are keyed by event and recipient); an SMTP server or a webhook would
deliver the message twice. So each message sent outside is claimed here first, in
a transaction that stays open while the channel sends and commits once it accepted:

* a message already claimed and committed is skipped (a repeat after a restart);
* two notifiers at once (a standby taking over while the old one still runs) wait
  for each other on the claimed row, and the second skips it;
* a send that fails, or a process killed mid-send, rolls the claim back, so the
  message is sent again later — never lost.

If the commit fails after the channel accepted (PostgreSQL went away mid-send), the
notifier records the message with ``record`` as soon as PostgreSQL is back, before
it does anything else — even while it is stopping, since the same outage usually
takes its follower lock too — and a notifier taking over waits a moment before its
first message (``careerflow.services``) so that record lands first. What remains is a
process killed between the channel accepting and the commit: one round trip wide;
that message goes out again (at least once, as any outside system without
idempotency allows), and its stable ``Message-ID`` lets mail software spot it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Engine, Table, Text, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from eventlog.setup_lock import schema_setup


class _Base(DeclarativeBase):
    pass


class SentRow(_Base):
    __tablename__ = "notification_sent"
    key: Mapped[UUID] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(Text, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


sent: Table = SentRow.__table__  # type: ignore[assignment]


_CLAIM = (
    f"INSERT INTO {sent.name} (key, channel) VALUES (%(key)s, %(channel)s)"
    " ON CONFLICT (key, channel) DO NOTHING RETURNING key"
)
"""The claim as the driver takes it: one per message sent, and building the statement
through SQLAlchemy each time cost more than its round trip."""


class SentLedger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with schema_setup(engine):
            _Base.metadata.create_all(engine)

    @contextmanager
    def claim(self, key: UUID, channel: str) -> Iterator[bool]:
        """True: send now (committed when the block ends well); False: already sent."""
        with self.engine.begin() as conn:
            claimed = conn.exec_driver_sql(_CLAIM, {"key": key, "channel": channel}).first()
            yield claimed is not None

    def record(self, key: UUID, channel: str) -> None:
        """The message went out although its claim could not be committed: say so now."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(sent)
                .values(key=key, channel=channel)
                .on_conflict_do_nothing(index_elements=["key", "channel"])
            )
