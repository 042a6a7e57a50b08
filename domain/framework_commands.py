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


RATE_HELP = "below, meets or exceeds what your level expects"


class RateOwnCompetencies(FrameworkStep):
    """The self-assessment's ratings: every competency the employee's level expects."""

    step = StepRecord(
        action="rate your own competencies",
        who=Who.EMPLOYEE,
        stage=Stage.PREPARE,
        path="self-rating",
        summary="Prepare: rate yourself against your level's expectations",
        tasks=(Task.PREPARE,),
        offered_in=BEFORE_MEETING,
        form=Form(
            "Rate yourself against your level",
            "Save my ratings",
            (F("ratings", "How you meet each expectation", "rating", help=RATE_HELP),),
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


AFTER_SCHEDULING = OPEN_PHASES - BEFORE_MEETING | {Phase.MEETING_SCHEDULED}


class RateCompetencies(RateOwnCompetencies):
    """The manager's own ratings, at or after the meeting, kept beside the employee's."""

    step = StepRecord(
        action="rate the employee's competencies",
        who=Who.MANAGER,
        stage=Stage.CONVERSATION,
        path="manager-rating",
        summary="The manager rates the employee against their level's expectations",
        tasks=(Task.HOLD_MEETING,),
        offered_in=AFTER_SCHEDULING,
        form=Form(
            "Rate against the level's expectations",
            "Save your ratings",
            (F("ratings", "How they meet each expectation", "rating", help=RATE_HELP),),
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
