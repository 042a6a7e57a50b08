"""Which messages already went out on which outside channel (e-mail, webhook).

The notifier records its log position after a batch, so a notifier killed mid-batch,
or a standby taking over, hands the same events again. The inbox shrugs that off
(its rows are keyed by event and recipient); an SMTP server or a webhook would
deliver the message twice. Each message sent outside is written here, keyed the same
way, right after the channel accepted it, and looked up before sending: a repeat is
skipped. What remains is the moment between a channel's acceptance and this row,
milliseconds wide instead of a batch.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Engine, Table, Text, func, select
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


class SentLedger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with schema_setup(engine):
            _Base.metadata.create_all(engine)

    def already_sent(self, key: UUID, channel: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(sent.c.key).where(sent.c.key == key, sent.c.channel == channel)
            ).first()
        return found is not None

    def record(self, key: UUID, channel: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(sent)
                .values(key=key, channel=channel)
                .on_conflict_do_nothing(index_elements=["key", "channel"])
            )
