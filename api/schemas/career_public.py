"""Where a case stands on the career framework, as the API shows it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.career_gap import GapLine, Position, Rater, RatingSheet, coverage, gaps
from domain.case import DevelopmentCase
from domain.framework import FrameworkBook


class CareerPublic(BaseModel):
    framework_version: int | None = Field(
        description="the framework version the case is judged by (kept across re-imports)"
    )
    self_rating: RatingSheet | None
    manager_rating: RatingSheet | None
    target: Position | None
    standing: list[GapLine] = Field(
        description="every competency the target expects: both expectations, the deciding "
        "rating (the manager's, else the employee's) and whether it is a gap"
    )
    gap: list[str] = Field(description="the target's competencies the ratings fall short of")
    coverage: dict[str, bool] = Field(
        description="gap competency → whether a goal of the newest plan (or a draft goal) "
        "develops it"
    )

    @classmethod
    def of(cls, case: DevelopmentCase, book: FrameworkBook | None) -> CareerPublic:
        lines = (
            []
            if book is None or not book.versions
            else case.standing(book.at(case.framework_version))
        )
        gap = gaps(lines)
        return cls(
            framework_version=case.framework_version,
            self_rating=case.sheet(Rater.SELF),
            manager_rating=case.sheet(Rater.MANAGER),
            target=case.target,
            standing=lines,
            gap=gap,
            coverage=coverage(gap, case.goal_competencies()),
        )
