"""The career framework: tracks of ordered levels, competencies, one expectation per cell.

HR imports it as rows (``track, level, competency, expectation``), validated as a
whole like the roster: every problem with its row, nothing imported. Levels are
ordered as the file first names them within their track; a competency with no row
at a level is not expected there. Each import that changes something is a new
version, and every version is kept: a case keeps the version it opened with
(``CaseOpened.framework_version``), so a re-import never changes what an open case
is judged against.

Company data, not personal data: nothing here is sealed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any
from uuid import NAMESPACE_URL, uuid5

from pydantic import Field, StringConstraints, ValidationError

from domain import errors
from domain.base import By, CareerAggregate, Decision, command
from domain.roster import RowProblem, RowsInvalid, row_problems
from domain.values import ValueObject

FRAMEWORK_ID = uuid5(NAMESPACE_URL, "careerflow:career-framework")
"""The one framework aggregate (it keeps every version)."""

COLUMNS = ("track", "level", "competency", "expectation")
MAX_TRACKS = 50
MAX_LEVELS = 20
"""Levels per track."""
MAX_COMPETENCIES = 100
MAX_ROWS = MAX_TRACKS * MAX_LEVELS * MAX_COMPETENCIES // 10
"""10,000 expectations: 20 tracks by 8 levels by 40 competencies is 6,400."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
"""A track's, a level's or a competency's name as HR writes it."""
ExpectationText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]


class Cell(ValueObject):
    """One row of a framework file: what a competency asks of a level of a track."""

    track: Name
    level: Name
    competency: Name
    expectation: ExpectationText


class Level(ValueObject):
    name: Name
    expectations: dict[str, str] = Field(default_factory=dict)
    """Competency → what the level expects of it (competencies not expected: absent)."""


class Track(ValueObject):
    name: Name
    levels: list[Level]

    def level(self, name: str) -> Level | None:
        return next((level for level in self.levels if level.name == name), None)

    def competencies(self) -> list[str]:
        """The competencies some level of the track expects, in the file's order."""
        seen: dict[str, None] = {}
        for level in self.levels:
            seen.update(dict.fromkeys(level.expectations))
        return list(seen)

    def rank(self, name: str) -> int | None:
        """The level's place on the track, from 1."""
        return next((i for i, level in enumerate(self.levels, 1) if level.name == name), None)


class CellChange(ValueObject):
    track: str
    level: str
    competency: str
    old: str
    new: str


class FrameworkDiff(ValueObject):
    """What importing a framework would change, cell by cell."""

    added: list[Cell] = Field(default_factory=list)
    changed: list[CellChange] = Field(default_factory=list)
    removed: list[Cell] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


class CareerFramework(ValueObject):
    """One version of the framework (version 0: none imported yet)."""

    version: int = 0
    tracks: list[Track] = Field(default_factory=list)

    def track(self, name: str) -> Track | None:
        return next((track for track in self.tracks if track.name == name), None)

    @property
    def competencies(self) -> list[str]:
        """Every competency, in the order the file first names them."""
        seen: dict[str, None] = {}
        for track in self.tracks:
            seen.update(dict.fromkeys(track.competencies()))
        return list(seen)

    def positions(self) -> dict[str, list[str]]:
        """Track → its levels, in order (what a roster's columns may name)."""
        return {track.name: [level.name for level in track.levels] for track in self.tracks}

    def expectations(self, track: str, level: str) -> dict[str, str]:
        found = self.track(track)
        cell = None if found is None else found.level(level)
        return {} if cell is None else dict(cell.expectations)

    def rank(self, track: str, level: str) -> int | None:
        found = self.track(track)
        return None if found is None else found.rank(level)

    def require_position(self, track: str, level: str) -> None:
        """Refuse a track and level the framework does not have (naming which field)."""
        if self.version == 0:
            raise errors.InvalidCommand("track", "no career framework has been imported")
        found = self.track(track)
        if found is None:
            raise errors.InvalidCommand("track", f"{track!r} is not a track of the framework")
        if found.rank(level) is None:
            raise errors.InvalidCommand("level", f"{level!r} is not a level of track {track!r}")

    def require_competencies(self, named: Iterable[tuple[str, str]]) -> None:
        known = set(self.competencies)
        for field, name in named:
            if name not in known:
                raise errors.InvalidCommand(
                    field, f"{name!r} is not a competency of the career framework"
                )

    def cells(self) -> dict[tuple[str, str, str], str]:
        return {
            (track.name, level.name, competency): text
            for track in self.tracks
            for level in track.levels
            for competency, text in level.expectations.items()
        }

    def diff(self, other: CareerFramework) -> FrameworkDiff:
        """What replacing this version with ``other`` changes."""
        before, after = self.cells(), other.cells()
        return FrameworkDiff(
            added=[_cell(key, text) for key, text in after.items() if key not in before],
            changed=[
                CellChange(track=key[0], level=key[1], competency=key[2], old=before[key], new=text)
                for key, text in after.items()
                if key in before and before[key] != text
            ],
            removed=[_cell(key, text) for key, text in before.items() if key not in after],
        )


def _cell(key: tuple[str, str, str], text: str) -> Cell:
    return Cell.model_construct(track=key[0], level=key[1], competency=key[2], expectation=text)


class FrameworkInvalid(RowsInvalid):
    code = "framework_invalid"


def validate_framework(rows: Sequence[tuple[int, Mapping[str, Any] | str]]) -> CareerFramework:
    """Every row checked, then the framework as a whole; ``FrameworkInvalid`` lists all
    problems. The result has version 0: the aggregate numbers it when it is imported."""
    problems: list[RowProblem] = []
    cells: list[tuple[int, Cell]] = []
    for number, row in rows:
        if isinstance(row, str):
            problems.append(RowProblem(row=number, field="row", reason=row))
            continue
        try:
            cells.append((number, Cell.model_validate(row)))
        except ValidationError as exc:
            problems.extend(row_problems(number, exc))
    if not rows:
        problems.append(RowProblem(row=0, field="rows", reason="the framework has no rows"))
    if len(rows) > MAX_ROWS:
        problems.append(RowProblem(row=0, field="rows", reason=f"more than {MAX_ROWS:,} rows"))
    tracks: dict[str, dict[str, dict[str, str]]] = {}
    first: dict[tuple[str, str, str], int] = {}
    competencies: set[str] = set()
    for number, cell in cells:
        key = (cell.track, cell.level, cell.competency)
        if key in first:
            problems.append(
                RowProblem(
                    row=number,
                    field="competency",
                    reason=f"{cell.competency!r} at {cell.track} / {cell.level} is already "
                    f"on row {first[key]}",
                )
            )
            continue
        first[key] = number
        levels = tracks.setdefault(cell.track, {})
        if len(tracks) > MAX_TRACKS:
            problems.append(RowProblem(row=number, field="track", reason=_too_many("tracks")))
            break
        levels.setdefault(cell.level, {})[cell.competency] = cell.expectation
        if len(levels) > MAX_LEVELS:
            problems.append(RowProblem(row=number, field="level", reason=_too_many("levels")))
            break
        competencies.add(cell.competency)
        if len(competencies) > MAX_COMPETENCIES:
            reason = _too_many("competencies")
            problems.append(RowProblem(row=number, field="competency", reason=reason))
            break
    if problems:
        raise FrameworkInvalid(sorted(problems, key=lambda p: (p.row, p.field)))
    return CareerFramework(
        tracks=[
            Track(
                name=track,
                levels=[Level(name=name, expectations=cells) for name, cells in levels.items()],
            )
            for track, levels in tracks.items()
        ]
    )


def _too_many(what: str) -> str:
    limit = {"tracks": MAX_TRACKS, "levels": MAX_LEVELS, "competencies": MAX_COMPETENCIES}[what]
    per = " in a track" if what == "levels" else ""
    return f"a framework has at most {limit} {what}{per}"


class FrameworkBook(CareerAggregate):
    """Every version of the framework HR imported; the newest is the current one."""

    class FrameworkStarted(CareerAggregate.Created):
        pass

    class FrameworkImported(CareerAggregate.Event):
        source: str
        framework: CareerFramework

        def apply(self, book: FrameworkBook) -> None:
            book.versions = [*book.versions, self.framework]

    def __init__(self) -> None:
        super().__init__()
        self.versions: list[CareerFramework] = []

    @classmethod
    def start(cls, *, by: By) -> FrameworkBook:
        return cls._create(
            cls.FrameworkStarted,
            id=FRAMEWORK_ID,
            actor=by.actor,
            timestamp=by.at,
            idempotency_key=None,
        )

    @property
    def current(self) -> CareerFramework:
        return self.versions[-1] if self.versions else CareerFramework()

    def at(self, version: int | None) -> CareerFramework:
        """The version a case keeps (None or 0: the current one)."""
        if not version:
            return self.current
        if not 1 <= version <= len(self.versions):
            raise errors.InvalidCommand("version", f"the framework has no version {version}")
        return self.versions[version - 1]

    @command(FrameworkImported)
    def import_framework(self, *, framework: CareerFramework, source: str, by: By) -> Decision:
        """A new version, when ``framework`` differs from the current one."""
        if self.versions and self.current.diff(framework).empty:
            return None
        numbered = framework.model_copy(update={"version": len(self.versions) + 1})
        return {"source": source[:200], "framework": numbered}
