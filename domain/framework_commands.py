"""The steps judged against the career framework: ratings by both parties, the target.

Each needs the framework version the case keeps and the person's track and level
(from the roster, as it stands when they rate), which the application hands in as
``FrameworkTerms``; the case decides with them like any other step.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from domain.base import By, CareerAggregate
from domain.career_gap import CompetencyRating, Position
from domain.case import DevelopmentCase
from domain.framework import Name
from domain.framework_step import FrameworkStep, FrameworkTerms
from domain.phases import BEFORE_MEETING, OPEN_PHASES, Phase
from domain.step_records import Form, FormField, Stage, StepRecord, Task, Who

F = FormField


AFTER_SCHEDULING = OPEN_PHASES - BEFORE_MEETING | {Phase.MEETING_SCHEDULED}


def rating_step(who: Who, *, action: str, path: str, summary: str, form: Form) -> StepRecord:
    """A rating step's record: the employee's while preparing, the manager's at or after
    the meeting (the form's ``rating`` field becomes one select per competency)."""
    employee = who is Who.EMPLOYEE
    return StepRecord(
        action=action,
        who=who,
        stage=Stage.PREPARE if employee else Stage.CONVERSATION,
        path=path,
        summary=summary,
        tasks=(Task.PREPARE if employee else Task.HOLD_MEETING,),
        offered_in=BEFORE_MEETING if employee else AFTER_SCHEDULING,
        form=form,
    )


def ratings_field(label: str) -> tuple[FormField, ...]:
    return (F("ratings", label, "rating", help="below, meets or exceeds what the level expects"),)


class RateOwnCompetencies(FrameworkStep):
    """The self-assessment's ratings: every competency the employee's level expects."""

    step = rating_step(
        Who.EMPLOYEE,
        action="rate your own competencies",
        path="self-rating",
        summary="Prepare: rate yourself against your level's expectations",
        form=Form(
            "Rate yourself against your level",
            "Save my ratings",
            ratings_field("How you meet each expectation"),
            intro="Below, meets or exceeds — for each competency your level expects. "
            "Evidence: the numbers of your STAR achievements.",
        ),
    )
    ratings: list[CompetencyRating] = Field(min_length=1, max_length=100)

    def apply_with(
        self, case: DevelopmentCase, terms: FrameworkTerms, by: By
    ) -> Sequence[CareerAggregate]:
        case.rate_competencies(
            ratings=self.ratings, framework=terms.framework, position=terms.position, by=by
        )
        return ()


class RateCompetencies(RateOwnCompetencies):
    """The manager's own ratings, at or after the meeting, kept beside the employee's."""

    step = rating_step(
        Who.MANAGER,
        action="rate the employee's competencies",
        path="manager-rating",
        summary="The manager rates the employee against their level's expectations",
        form=Form(
            "Rate against the level's expectations",
            "Save your ratings",
            ratings_field("How they meet each expectation"),
            intro="Your ratings sit beside the employee's own; neither replaces the other.",
        ),
    )


class NameTarget(FrameworkStep):
    """Where the employee aims: a track and a level of the framework."""

    step = StepRecord(
        action="name a target",
        who=Who.EMPLOYEE,
        stage=Stage.PREPARE,
        path="target",
        summary="Prepare: name the track and level you aim for",
        tasks=(Task.PREPARE,),
        offered_in=OPEN_PHASES,
        form=Form(
            "Where do you want to go next?",
            "Save target",
            (F("track", "Track", "track"), F("level", "Level", "level")),
            intro="The gap — what your target expects beyond your ratings — is what your "
            "plan's goals address. Your free-text aspirations stay beside it.",
        ),
    )
    track: Name
    level: Name

    def apply_with(
        self, case: DevelopmentCase, terms: FrameworkTerms, by: By
    ) -> Sequence[CareerAggregate]:
        target = Position(track=self.track, level=self.level)
        case.name_target(target=target, framework=terms.framework, by=by)
        return ()
