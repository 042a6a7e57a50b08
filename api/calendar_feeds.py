"""Each person's private calendar feed: their deadlines, meetings, check-ins and action
items as an iCalendar file their calendar subscribes to.

The feed is reached without signing in (calendars cannot), so its address carries a
secret token: 32 random bytes, shown once when the person creates the link and kept
only as its SHA-256 digest; creating a new link or stopping it makes the old one
answer 404 at once. The events come from the tasks read model, so the feed changes as
the case moves. A table of its own, owned by this module.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import DateTime, Engine, Table, Text, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.step_records import task_wording
from eventlog.setup_lock import schema_setup
from projections.tasks import tasks_of

FEED_SIZE = 500
"""The most events one feed carries (a person's open tasks, soonest first)."""
UNDATED_LENGTH = timedelta(minutes=30)


class _Base(DeclarativeBase):
    pass


class CalendarFeedRow(_Base):
    __tablename__ = "calendar_feeds"
    employee_id: Mapped[str] = mapped_column(Text, primary_key=True)
    token_digest: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def feed_url(request: Any, token: str) -> str:
    """The feed's address as its owner's calendar reaches it."""
    return f"{str(request.base_url).rstrip('/')}/calendar/{token}.ics"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeeds:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with schema_setup(engine):
            _Base.metadata.create_all(engine)
        self.table: Table = CalendarFeedRow.__table__  # type: ignore[assignment]

    def issue(self, employee_id: str, now: datetime) -> str:
        """A new link's token for the person (the old link stops working)."""
        token = secrets.token_urlsafe(32)
        row = {"employee_id": employee_id, "token_digest": _digest(token), "created_at": now}
        statement = insert(self.table).values(row)
        with self.engine.begin() as conn:
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["employee_id"],
                    set_={"token_digest": statement.excluded.token_digest, "created_at": now},
                )
            )
        return token

    def revoke(self, employee_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(self.table).where(self.table.c.employee_id == employee_id))

    def owner_of(self, token: str) -> str | None:
        if not 20 <= len(token) <= 100:
            return None
        query = select(self.table.c.employee_id).where(self.table.c.token_digest == _digest(token))
        with self.engine.connect() as conn:
            owner: str | None = conn.execute(query).scalar()
        return owner

    def feed(self, employee_id: str, base_url: str, now: datetime) -> bytes:
        """The person's open tasks with a due time as events (a meeting at its time, a
        deadline as half an hour ending when it is due)."""
        with self.engine.connect() as conn:
            _, rows = tasks_of(conn, employee_id, FEED_SIZE, 0)
        calendar = Calendar()
        calendar.add("prodid", "-//careerflow//deadlines//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", "careerflow")
        for row in rows:
            if row["due_at"] is not None:
                calendar.add_component(_event(row, base_url, now))
        return bytes(calendar.to_ical())


def _event(row: dict[str, Any], base_url: str, now: datetime) -> Event:
    event = Event()
    whose = row.get("employee_name") or row["employee_id"]
    what = task_wording(row["task"])
    title = f": {row['title']}" if row.get("title") else ""
    meeting = row["task"] == "hold_meeting"
    event.add("uid", f"{row['task_id']}@careerflow")
    event.add("summary", f"{what.capitalize()}{title} ({whose})")
    starts = row["due_at"] if meeting else row["due_at"] - UNDATED_LENGTH
    event.add("dtstart", starts)
    event.add("dtend", starts + (timedelta(hours=1) if meeting else UNDATED_LENGTH))
    event.add("dtstamp", now)
    event.add("url", f"{base_url}/cases/{row['case_id']}")
    event.add("description", f"{what} — due {row['due_at'].isoformat()}")
    return event
