"""Validating a roster file as a whole: every row, then who manages whom.

Every problem is reported with its row (as the file counts them), and nothing is
imported while there is one; ``Roster.import_people`` takes what this returns.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError

from domain.roster import Person, RosterInvalid, RowProblem, row_problems
from domain.values import KNOWN_STORABLE, storable_text


def validate_roster(
    rows: Sequence[tuple[int, dict[str, Any] | str]],
    positions: Mapping[str, Sequence[str]] | None = None,
    known: Mapping[str, Person] | None = None,
) -> list[Person]:
    """Check every row and the roster as a whole; raise ``RosterInvalid`` listing all problems.

    ``rows`` pairs each row with its number in the source (a CSV line, a JSON index);
    a row the reader could not make sense of comes as the reason why. ``positions``
    is the career framework's tracks and their levels (None: no framework imported).
    ``known`` is the roster as it stands: a row that says, word for word, what is
    recorded of someone is that person, and is not validated again (a re-import is
    mostly such rows, and validating 100,000 of them took most of its time).
    """
    problems: list[RowProblem] = []
    people: list[tuple[int, Person]] = []
    dicts = [row for _, row in rows if isinstance(row, dict)]
    # One pass over all the text: when it is all storable, no field needs checking alone.
    checked = KNOWN_STORABLE if storable_text(v for row in dicts for v in row.values()) else None
    for number, row in rows:
        if isinstance(row, str):
            problems.append(RowProblem(row=number, field="row", reason=row))
            continue
        try:
            person = _as_recorded(row, known) or Person.model_validate(row, context=checked)
            problems.extend(_position_problems(number, person, positions))
            people.append((number, person))
        except ValidationError as exc:
            problems.extend(row_problems(number, exc))
    if not rows:
        problems.append(RowProblem(row=0, field="rows", reason="the roster has no employees"))
    # The whole-roster checks use every row that names an id, valid or not, so one
    # bad e-mail does not also report everyone under that person as orphaned.
    links = [
        (number, employee_id, _text(row.get("manager_id")), _text(row.get("hr_partner_id")))
        for number, row in rows
        if isinstance(row, dict) and (employee_id := _text(row.get("employee_id")))
    ]
    first_row: dict[str, int] = {}
    for number, employee_id, _, _ in links:
        if employee_id in first_row:
            problems.append(
                RowProblem(
                    row=number,
                    field="employee_id",
                    reason=f"duplicate id {employee_id!r} (first on row {first_row[employee_id]})",
                )
            )
        else:
            first_row[employee_id] = number
    manager: dict[str, str | None] = {}
    for number, employee_id, boss, partner in links:
        for field, other in (("manager_id", boss), ("hr_partner_id", partner)):
            if other and other not in first_row:
                problems.append(
                    RowProblem(row=number, field=field, reason=f"unknown employee {other!r}")
                )
        if boss == employee_id:
            problems.append(
                RowProblem(row=number, field="manager_id", reason="nobody manages themselves")
            )
        elif first_row[employee_id] == number:
            manager[employee_id] = boss or None
    problems.extend(_loops(manager, first_row))
    if problems:
        raise RosterInvalid(sorted(problems, key=lambda p: (p.row, p.field)))
    return [person for _, person in people]


def _position_problems(
    number: int, person: Person, positions: Mapping[str, Sequence[str]] | None
) -> list[RowProblem]:
    """A track and level must both be given, and be in the career framework."""
    if person.track is None and person.level is None:
        return []
    if person.track is None or person.level is None:
        missing = "track" if person.track is None else "level"
        return [
            RowProblem(row=number, field=missing, reason="give a track and a level, or neither")
        ]
    if positions is None:
        reason = "no career framework has been imported: import one first"
        return [RowProblem(row=number, field="track", reason=reason)]
    if person.track not in positions:
        reason = f"{person.track!r} is not a track of the career framework"
        return [RowProblem(row=number, field="track", reason=reason)]
    if person.level not in positions[person.track]:
        reason = f"{person.level!r} is not a level of track {person.track!r}"
        return [RowProblem(row=number, field="level", reason=reason)]
    return []


_DEFAULTS = {name: field.default for name, field in Person.model_fields.items()}


def _as_recorded(row: dict[str, Any], known: Mapping[str, Person] | None) -> Person | None:
    """The person ``known`` holds when every value of the row is what is recorded (a column
    left out: the recorded value is the default); else None, and the row is validated.
    Only the exact value is taken: anything validation would normalise is not equal, so
    it goes through validation."""
    if not known:
        return None
    person = known.get(_text(row.get("employee_id")))
    if person is None:
        return None
    recorded = vars(person)
    for name, value in row.items():
        if name not in recorded or not _same(value, recorded[name]):
            return None
    for name, default in _left_out(tuple(row)):
        if recorded[name] != default:
            return None
    return person


@functools.lru_cache(maxsize=64)
def _left_out(columns: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    """The fields a file without these columns leaves at their defaults (a file's rows
    share their columns: worked out once)."""
    return tuple((name, default) for name, default in _DEFAULTS.items() if name not in columns)


def _same(value: Any, recorded: Any) -> bool:
    """Text trimmed is the recorded value's text; any other value is it, type and all
    (the identity provider's rows are a recorded person's own values)."""
    if type(value) is str:
        return value == recorded or value.strip() == _as_text(recorded)
    return type(value) is type(recorded) and value == recorded


def _as_text(value: Any) -> str:
    """A recorded value as a file writes it (None blank, booleans as true/false)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _loops(manager: dict[str, str | None], row_of: dict[str, int]) -> list[RowProblem]:
    """Rows whose management chain comes back to someone already in it."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    in_loop: set[str] = set()
    for start in manager:
        path: list[str] = []
        current: str | None = start
        while current is not None and current in manager and current not in state:
            state[current] = 1
            path.append(current)
            current = manager[current]
        if current is not None and state.get(current) == 1:
            in_loop.update(path[path.index(current) :])
        for person in path:
            state[person] = 2
    return [
        RowProblem(
            row=row_of[person],
            field="manager_id",
            reason="the management chain loops back to this employee",
        )
        for person in sorted(in_loop, key=row_of.__getitem__)
    ]
