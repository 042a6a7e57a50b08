"""Absences in the domain: who stands in, and how far an absent employee's deadlines move."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import errors
from domain.absences import Absence, Away, day_span
from domain.base import By
from domain.deadlines import CaseFacts, extended, open_deadlines
from domain.roster import Person, Roster
from domain.values import Policy

T = datetime(2026, 3, 2, 9, tzinfo=UTC)
LADDER = ("ada", "grace", "edsger", "frances")


def absence(who: str, delegate: str | None = None, days: int = 5, n: int = 1) -> Absence:
    start, end = day_span(T.date(), T.date() + timedelta(days=days - 1), None)
    return Absence(
        number=n, employee_id=who, starts_on=T.date(), ends_on=T.date() + timedelta(days=days - 1),
        delegate_id=delegate, starts_at=start, ends_at=end,
    )  # fmt: skip


def away(*absences: Absence, at: datetime = T) -> Away:
    by_person: dict[str, tuple[Absence, ...]] = {}
    by_delegate: dict[str, tuple[Absence, ...]] = {}
    for a in absences:
        by_person[a.employee_id] = (*by_person.get(a.employee_id, ()), a)
        if a.delegate_id:
            by_delegate[a.delegate_id] = (*by_delegate.get(a.delegate_id, ()), a)
    return Away(at=at, by_person=by_person, by_delegate=by_delegate)


def test_the_delegate_stands_in_else_the_next_rung_present() -> None:
    assert away().stand_in(LADDER, 1) == ("grace", None)
    assert away(absence("grace", "katherine")).stand_in(LADDER, 1) == ("katherine", "grace")
    assert away(absence("grace")).stand_in(LADDER, 1) == ("edsger", "grace")
    both = away(absence("grace", "katherine"), absence("katherine", n=2))
    assert both.stand_in(LADDER, 1) == ("edsger", "grace")  # the delegate is away too
    assert both.covered_by("katherine") == []
    everyone = away(*(absence(p, n=i) for i, p in enumerate(LADDER[1:], 1)))
    assert everyone.stand_in(LADDER, 1) == (None, "grace")
    # the employee is never the one who stands in for their own manager
    assert away(absence("grace", "ada")).stand_in(LADDER, 1) == ("edsger", "grace")
    assert away(absence("grace", "katherine"), at=T + timedelta(days=6)).stand_in(LADDER, 1) == (
        "grace",
        None,
    )  # over: restored


def roster() -> Roster:
    r = Roster.start(by=By("hr", T))
    people = [
        Person(employee_id="grace", name="Grace", email="g@x.io", department="E"),
        Person(employee_id="katherine", name="K", email="k@x.io", department="S"),
    ]
    r.import_people(people=people, source="test", by=By("hr", T))
    return r


@pytest.mark.parametrize(
    ("starts", "ends", "delegate", "field"),
    [
        (3, 2, None, "ends_on"),
        (-120, -100, None, "starts_on"),
        (-10, -5, None, "ends_on"),
        (1, 400, None, "ends_on"),
        (1, 2, "grace", "delegate_id"),
        (1, 2, "nobody", "delegate_id"),
    ],
)
def test_an_absence_is_refused_naming_its_field(
    starts: int, ends: int, delegate: str | None, field: str
) -> None:
    r = roster()
    with pytest.raises(errors.InvalidCommand) as refused:
        r.record_absence(
            employee_id="grace", starts_on=T.date() + timedelta(days=starts),
            ends_on=T.date() + timedelta(days=ends), delegate_id=delegate, by=By("grace", T),
        )  # fmt: skip
    assert refused.value.field == field
    assert r.absences == {}


def test_ending_early_ends_it_from_that_moment() -> None:
    r = roster()
    r.record_absence(
        employee_id="grace", starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 9),
        delegate_id="katherine", by=By("grace", T),
    )  # fmt: skip
    assert r.away_at(T + timedelta(days=2)).covered_by("katherine") == ["grace"]
    r.end_absence(number=1, by=By("grace", T + timedelta(days=3)))
    assert r.absences[1].ended_early
    assert r.away_at(T + timedelta(days=3)).covered_by("katherine") == []
    version = r.version
    r.end_absence(number=1, by=By("grace", T + timedelta(days=4)))  # over already
    assert r.version == version


def test_an_absent_employees_own_deadlines_move_unless_the_policy_says_not() -> None:
    spans = {1: (T + timedelta(days=2), T + timedelta(days=9))}
    facts = CaseFacts(policy=Policy(), opened_at=T, absences=spans)
    (prep, request) = open_deadlines(facts)
    assert prep.due_at == T + timedelta(days=14 + 7)
    assert request.due_at == T + timedelta(days=21 + 7)
    off = facts.model_copy(update={"policy": Policy(extend_deadlines_for_absence=False)})
    assert open_deadlines(off)[0].due_at == T + timedelta(days=14)
    # an absence the move reaches moves it again; one before the window does not count
    later = [(T + timedelta(days=15), T + timedelta(days=17)), (T - timedelta(days=9), T)]
    assert extended(T + timedelta(days=14), T, later) == T + timedelta(days=14)
    assert extended(T + timedelta(days=14), T, [*spans.values(), *later]) == T + timedelta(days=23)
