"""Absences: who is away, from when to when, and who acts for them meanwhile.

A person (or HR for them) records an absence on the roster: the first and last day
(in the person's own time zone) and, optionally, a delegate. While it lasts:

* tasks, reminders and escalations addressed to the absent person go to the
  delegate or, without one (or with a delegate who is away too), up the ladder
  to the next rung (``Away.stand_in``);
* the delegate may take the absent person's steps on their cases; each event is
  recorded as taken by the delegate ``on_behalf_of`` the absent person;
* the absent employee's own deadlines move by the length of the absence (the
  cases are told, ``AbsenceNoted``; the deadline rule does the rest).

Ending an absence early ends all of this from that moment. Pure: no I/O, no clock.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import AwareDatetime

from domain import errors
from domain.base import By, CareerAggregate, Decision, command
from domain.values import PersonId, ValueObject

MAX_LENGTH = timedelta(days=366)
"""The longest absence one record covers (a longer leave is recorded again)."""
MAX_BACKDATED = timedelta(days=90)
"""How far back an absence may start (sick leave is often recorded afterwards)."""
MAX_AHEAD = 20
"""How many absences a person may have that are not over yet."""


class Absence(ValueObject):
    """One absence: its days as the person named them, and the instants they span."""

    number: int
    employee_id: PersonId
    starts_on: date
    ends_on: date
    """The last day away (inclusive)."""
    delegate_id: PersonId | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    """The first instant back: the day after ``ends_on`` began, or when it was ended early."""
    ended_early: bool = False

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def day_span(starts_on: date, ends_on: date, zone: str | None) -> tuple[datetime, datetime]:
    """The instants from the first day's start to the day after the last, in ``zone``."""
    tz = zoneinfo.ZoneInfo(zone) if zone else UTC
    start = datetime.combine(starts_on, time(), tz)
    end = datetime.combine(ends_on + timedelta(days=1), time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class Away:
    """Who is away at one instant, and who stands in for them (built by ``Roster.away_at``)."""

    at: datetime
    by_person: Mapping[str, Sequence[Absence]] = field(default_factory=dict)
    by_delegate: Mapping[str, Sequence[Absence]] = field(default_factory=dict)

    def absence_of(self, person: str) -> Absence | None:
        for absence in self.by_person.get(person, ()):
            if absence.covers(self.at):
                return absence
        return None

    def is_away(self, person: str) -> bool:
        return self.absence_of(person) is not None

    def covered_by(self, delegate: str) -> list[str]:
        """Whom ``delegate`` acts for now (people away who named them, while present)."""
        if self.is_away(delegate):
            return []
        return [a.employee_id for a in self.by_delegate.get(delegate, ()) if a.covers(self.at)]

    def stand_in(self, ladder: Sequence[str | None], start: int) -> tuple[str | None, str | None]:
        """Who receives what is addressed to ``ladder[start]``, and for whom (None: nobody
        away). An absent person's delegate, when present; else the next rung up."""
        covering = None
        for person in ladder[start:]:
            if person is None:
                continue
            absence = self.absence_of(person)
            if absence is None:
                return person, covering
            covering = covering or person
            delegate = absence.delegate_id
            if (
                delegate is not None
                and delegate not in ladder[:start]
                and not self.is_away(delegate)
            ):
                return delegate, covering
        return None, covering


NOBODY_AWAY = Away(at=datetime.min.replace(tzinfo=UTC))
"""For steps that address nobody (and pure tests)."""


class AbsenceBook(CareerAggregate):
    """The roster's absences (a base of ``Roster``; its events are bound there)."""

    people: dict[str, Any]

    class AbsenceRecorded(CareerAggregate.Event):
        absence: Absence

        def apply(self, book: AbsenceBook) -> None:
            book._keep(self.absence)

    class AbsenceEnded(CareerAggregate.Event):
        employee_id: str
        number: int
        ends_at: datetime

        def apply(self, book: AbsenceBook) -> None:
            absence = book.absences[self.number]
            book._keep(absence.model_copy(update={"ends_at": self.ends_at, "ended_early": True}))

    def __init__(self) -> None:
        super().__init__()
        self.absences: dict[int, Absence] = {}
        self.absent: dict[str, tuple[Absence, ...]] = {}
        self.delegations: dict[str, tuple[Absence, ...]] = {}

    def _keep(self, absence: Absence) -> None:
        """Index an absence by number, by person and by delegate (new containers)."""
        self.absences = {**self.absences, absence.number: absence}
        mine = [a for a in self.absent.get(absence.employee_id, ()) if a.number != absence.number]
        self.absent = {**self.absent, absence.employee_id: (*mine, absence)}
        self.delegations = {
            d: rest
            for d, given in self.delegations.items()
            if (rest := tuple(a for a in given if a.number != absence.number))
        }
        if absence.delegate_id is not None:
            given = self.delegations.get(absence.delegate_id, ())
            self.delegations[absence.delegate_id] = (*given, absence)

    def away_at(self, at: datetime) -> Away:
        return Away(at=at, by_person=self.absent, by_delegate=self.delegations)

    def absences_of(self, employee_id: str) -> tuple[Absence, ...]:
        return self.absent.get(employee_id, ())

    @command(AbsenceRecorded)
    def record_absence(
        self,
        *,
        employee_id: str,
        starts_on: date,
        ends_on: date,
        delegate_id: str | None,
        by: By,
    ) -> Decision:
        """Refused: a person not on the roster, a delegate who is not, or who is them;
        the last day before the first; longer than a year; starting more than 90 days
        ago or already over; overlapping another of theirs; too many ahead."""
        person = self.people.get(employee_id)
        if person is None:
            raise errors.InvalidCommand("employee_id", f"{employee_id!r} is not on the roster")
        if delegate_id is not None:
            if delegate_id == employee_id:
                raise errors.InvalidCommand("delegate_id", "cannot be the absent person")
            if delegate_id not in self.people:
                raise errors.InvalidCommand("delegate_id", f"{delegate_id!r} is not on the roster")
        if ends_on < starts_on:
            raise errors.InvalidCommand("ends_on", "is before starts_on")
        starts_at, ends_at = day_span(starts_on, ends_on, person.timezone)
        if ends_at - starts_at > MAX_LENGTH:
            raise errors.InvalidCommand("ends_on", "an absence is at most 366 days long")
        if starts_at < by.at - MAX_BACKDATED:
            raise errors.InvalidCommand("starts_on", "is more than 90 days ago")
        if ends_at <= by.at:
            raise errors.InvalidCommand("ends_on", "is already over")
        ahead = [a for a in self.absences_of(employee_id) if a.ends_at > by.at]
        for other in ahead:
            if other.starts_at < ends_at and starts_at < other.ends_at:
                raise errors.InvalidCommand(
                    "starts_on",
                    f"overlaps absence {other.number} ({other.starts_on} to {other.ends_on})",
                )
        if len(ahead) >= MAX_AHEAD:
            raise errors.InvalidCommand("starts_on", f"at most {MAX_AHEAD} absences ahead")
        absence = Absence(
            number=len(self.absences) + 1,
            employee_id=employee_id,
            starts_on=starts_on,
            ends_on=ends_on,
            delegate_id=delegate_id,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        return {"absence": absence}

    @command(AbsenceEnded)
    def end_absence(self, *, number: int, by: By) -> Decision:
        """End an absence now (one that has not begun is ended before it begins)."""
        absence = self.absences.get(number)
        if absence is None:
            raise errors.NotFound("absence", number)
        if absence.ends_at <= by.at:
            return None
        return {
            "employee_id": absence.employee_id,
            "number": number,
            "ends_at": max(by.at, absence.starts_at),
        }
