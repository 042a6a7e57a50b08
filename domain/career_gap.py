"""Ratings against the framework, the target, and the gap between them.

The scale is fixed: **below / meets / exceeds** the expectation of the person's
current level. To compare a rating with a target level, a rating stands for a place
on the ladder: *below* is the level under the current one, *meets* the current
level, *exceeds* the level above. A competency is a gap when the target's level
expects it and the rating's place is under the target's (or nobody rated it).
Places are compared by their rank on their own track, so a target on another track
(an engineer aiming at management) is compared rank for rank.

The gap uses the manager's rating where there is one, else the employee's own;
*ready* means the manager rated every competency the target expects at or above it.
Pure functions of a framework version and a case's records: the case view, the
read model behind the reports and the pages all use these.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.framework import CareerFramework, Name
from domain.values import SmartErGoal, ValueObject


class Rating(StrEnum):
    BELOW = "below"
    MEETS = "meets"
    EXCEEDS = "exceeds"


STEP = {Rating.BELOW: -1, Rating.MEETS: 0, Rating.EXCEEDS: 1}
"""How far from the rated level each rating places the person."""


class Rater(StrEnum):
    SELF = "self"
    MANAGER = "manager"


class CompetencyRating(ValueObject):
    competency: Name
    rating: Rating
    evidence: list[Annotated[int, Field(ge=1, le=50)]] = Field(
        default_factory=list,
        max_length=10,
        description="the self-assessment's STAR achievements behind the rating (1 is the first)",
    )


class Position(ValueObject):
    """A track and a level of the framework."""

    track: Name
    level: Name


class RatingSheet(ValueObject):
    """One rater's ratings of the competencies of one level (a new sheet replaces none:
    every sheet is its own event; the case reads the newest)."""

    rater: Rater
    framework_version: int
    position: Position
    ratings: list[CompetencyRating]

    def of(self, competency: str) -> Rating | None:
        return next((r.rating for r in self.ratings if r.competency == competency), None)


class GapLine(ValueObject):
    """One competency the target expects, as the case stands against it."""

    competency: str
    current_expectation: str | None
    target_expectation: str
    rating: Rating | None
    rated_by: Rater | None
    gap: bool


def standing(
    framework: CareerFramework,
    target: Position,
    self_sheet: RatingSheet | None,
    manager_sheet: RatingSheet | None,
) -> list[GapLine]:
    """Every competency the target expects, and whether it is a gap."""
    target_rank = framework.rank(target.track, target.level) or 0
    lines = []
    for competency, expected in framework.expectations(target.track, target.level).items():
        sheet = _deciding(competency, manager_sheet, self_sheet)
        rating = None if sheet is None else sheet.of(competency)
        place = None if sheet is None or rating is None else _place(framework, sheet, rating)
        current = None
        if sheet is not None:
            current = framework.expectations(sheet.position.track, sheet.position.level).get(
                competency
            )
        lines.append(
            GapLine(
                competency=competency,
                current_expectation=current,
                target_expectation=expected,
                rating=rating,
                rated_by=None if sheet is None else sheet.rater,
                gap=place is None or place < target_rank,
            )
        )
    return lines


def _deciding(
    competency: str, manager_sheet: RatingSheet | None, self_sheet: RatingSheet | None
) -> RatingSheet | None:
    for sheet in (manager_sheet, self_sheet):
        if sheet is not None and sheet.of(competency) is not None:
            return sheet
    return None


def _place(framework: CareerFramework, sheet: RatingSheet, rating: Rating) -> int | None:
    rank = framework.rank(sheet.position.track, sheet.position.level)
    return None if rank is None else rank + STEP[rating]


def gaps(lines: Iterable[GapLine]) -> list[str]:
    return [line.competency for line in lines if line.gap]


def ready(framework: CareerFramework, target: Position, manager_sheet: RatingSheet | None) -> bool:
    """The manager rates the person at or above every expectation of their target."""
    if manager_sheet is None:
        return False
    lines = standing(framework, target, None, manager_sheet)
    return bool(lines) and not any(line.gap for line in lines)


def coverage(gap: Iterable[str], goal_competencies: Iterable[Iterable[str]]) -> dict[str, bool]:
    """Gap competency → whether some goal develops it."""
    covered = {c for goal in goal_competencies for c in goal}
    return {competency: competency in covered for competency in gap}


def competencies_named(command: BaseModel) -> list[tuple[str, str]]:
    """(field, name) for every competency the goals in ``command`` name (the command a
    goal itself, a goal field, or a list of goals)."""
    goals: list[tuple[str, SmartErGoal]] = []
    if isinstance(command, SmartErGoal):
        goals.append(("", command))
    for name in type(command).model_fields:
        value = getattr(command, name)
        if isinstance(value, SmartErGoal):
            goals.append((f"{name}.", value))
        elif isinstance(value, list):
            listed = enumerate(value)
            goals.extend((f"{name}.{i}.", g) for i, g in listed if isinstance(g, SmartErGoal))
    return [
        (f"{prefix}competencies.{i}", competency)
        for prefix, goal in goals
        for i, competency in enumerate(goal.competencies)
    ]
