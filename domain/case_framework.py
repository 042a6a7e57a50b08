"""A case against the career framework: both parties' ratings, and the employee's target.

A base of ``DevelopmentCase``; its events are bound there like the others. The case
keeps the framework version it opened with (none imported then: the first rating or
target pins the current one), and every rating or target records that version, so
the gap is always worked out against the expectations the case was judged by.
Ratings are never overwritten: each sheet is an event, the case reads the newest.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain import errors
from domain.base import By, Decision, command
from domain.career_gap import CompetencyRating, GapLine, Position, Rater, RatingSheet, standing
from domain.case_events import CaseEvent
from domain.case_state import CaseState
from domain.framework import CareerFramework
from domain.phases import Phase


class CompetenciesRated(CaseEvent):
    sheet: RatingSheet

    def apply(self, case: CaseState) -> None:
        case.rating_sheets = {**case.rating_sheets, self.sheet.rater.value: self.sheet}
        case.framework_version = case.framework_version or self.sheet.framework_version


class TargetNamed(CaseEvent):
    framework_version: int
    target: Position

    def apply(self, case: CaseState) -> None:
        case.target = self.target
        case.framework_version = case.framework_version or self.framework_version


class FrameworkSteps(CaseState):
    """Rating the competencies of the current level, and naming a target."""

    def _judged_by(self, framework: CareerFramework, field: str) -> CareerFramework:
        if framework.version == 0:
            raise errors.InvalidCommand(field, "no career framework has been imported yet")
        if self.framework_version not in (None, framework.version):
            raise errors.InvalidCommand(
                field, f"the case is judged by framework version {self.framework_version}"
            )
        return framework

    @command(CompetenciesRated)
    def rate_competencies(
        self,
        *,
        ratings: Sequence[CompetencyRating],
        framework: CareerFramework,
        position: Position | None,
        by: By,
    ) -> Decision:
        """The employee rates themselves before the meeting; the manager at or after it."""
        self._live()
        if by.actor == self.employee_id:
            rater = Rater.SELF
            self._preparing("rate your own competencies")
        else:
            self._as_manager(by.actor, "rate the employee's competencies")
            rater = Rater.MANAGER
            if self.held_at is None and self.phase is not Phase.MEETING_SCHEDULED:
                raise errors.MeetingNotScheduled(
                    "the manager rates at or after the meeting: it is not scheduled yet",
                    current=self.phase,
                )
        framework = self._judged_by(framework, "ratings")
        if position is None:
            raise errors.InvalidCommand(
                "ratings",
                f"the roster gives {self.employee_id} no track and level: HR sets them first",
            )
        expected = framework.expectations(position.track, position.level)
        if not expected:
            raise errors.InvalidCommand(
                "ratings",
                f"{position.track} / {position.level} is not in framework version "
                f"{framework.version}",
            )
        by_name = self._checked(ratings, expected)
        return {
            "sheet": RatingSheet(
                rater=rater,
                framework_version=framework.version,
                position=position,
                ratings=[by_name[c] for c in expected],
            )
        }

    def _checked(
        self, ratings: Sequence[CompetencyRating], expected: dict[str, str]
    ) -> dict[str, CompetencyRating]:
        achievements = 0 if self.self_assessment is None else len(self.self_assessment.achievements)
        by_name: dict[str, CompetencyRating] = {}
        for i, rating in enumerate(ratings):
            if rating.competency not in expected:
                raise errors.InvalidCommand(
                    f"ratings.{i}.competency",
                    f"{rating.competency!r} is not expected at this level",
                )
            if rating.competency in by_name:
                raise errors.InvalidCommand(f"ratings.{i}.competency", "is rated twice")
            for n in rating.evidence:
                if n > achievements:
                    raise errors.InvalidCommand(
                        f"ratings.{i}.evidence",
                        f"names achievement {n}, but the self-assessment has {achievements}",
                    )
            by_name[rating.competency] = rating
        missing = [c for c in expected if c not in by_name]
        if missing:
            raise errors.InvalidCommand("ratings", f"rate every competency: {', '.join(missing)}")
        return by_name

    @command(TargetNamed)
    def name_target(self, *, target: Position, framework: CareerFramework, by: By) -> Decision:
        """Where the employee aims: a track and level (free-text aspirations stay beside it)."""
        self._live()
        self._as_employee(by.actor, "name a target")
        framework = self._judged_by(framework, "track")
        framework.require_position(target.track, target.level)
        if target == self.target:
            return None
        return {"framework_version": framework.version, "target": target}

    # --- reading -------------------------------------------------------------------

    def sheet(self, rater: Rater) -> RatingSheet | None:
        return self.rating_sheets.get(rater.value)

    def standing(self, framework: CareerFramework) -> list[GapLine]:
        """The target's competencies and the gap (empty without a target)."""
        if self.target is None:
            return []
        return standing(framework, self.target, self.sheet(Rater.SELF), self.sheet(Rater.MANAGER))

    def goal_competencies(self) -> list[list[str]]:
        """The competencies each goal of the newest plan (else the draft goals) develops."""
        plan = self.current_plan
        goals = plan.plan.goals if plan is not None else list(self.draft_goals.values())
        return [list(goal.competencies) for goal in goals]
