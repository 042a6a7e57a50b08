"""Value objects: immutable, self-validating pydantic models carried by events.

They check what can be checked without context (every SMART+ER part present, a
STAR result with a measure, positive durations). Rules that need context (a goal's
due date inside *this* cycle) are checked by the aggregates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.personal import PERSONAL

PERSON_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"

Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), PERSONAL
]
"""Free text that must say something."""

PersonId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PERSON_ID_PATTERN)]
"""An employee id as the roster spells it."""

Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SLUG_PATTERN)]

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), PERSONAL]
"""Free text that may be empty."""

CompetencyName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
"""A competency of the career framework, as HR named it."""

Unit = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
"""A unit of measure (ms, %, EUR)."""
"""A short, stable identifier chosen by the author (goal ids)."""


MAX_DURATION = timedelta(days=730)
"""The longest a policy duration may be (P730D): every deadline stays a date that exists."""


def _positive_up_to(longest: timedelta, words: str) -> AfterValidator:
    def check(value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive ISO-8601 duration")
        if value > longest:
            raise ValueError(f"must be at most {words}")
        return value

    return AfterValidator(check)


Duration = Annotated[timedelta, _positive_up_to(MAX_DURATION, "P730D (two years)")]
"""A positive ISO-8601 duration (``P7D``, ``PT30S``) of at most two years."""

MAX_RETENTION = timedelta(days=3660)

Retention = Annotated[timedelta, _positive_up_to(MAX_RETENTION, "P3660D (ten years)")]
"""How long a closed cycle's personal data is kept (``P3Y``), at most ten years."""


MAX_ITEMS = 50
"""The most entries any list in a command may hold (skills, goals, action items, ...)."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_unstorable(value: Any) -> Any:
    """Text PostgreSQL cannot store (NUL) or encode (an unpaired surrogate) is refused."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain the NUL character (\\u0000)")
        if _SURROGATE.search(value):
            raise ValueError("must not contain unpaired surrogate characters")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            refuse_unstorable(item)
    return value


KNOWN_STORABLE = {"known_storable": True}
"""Validation context for values known to be storable: read back from the event
store, or text checked as a whole beforehand (``storable_text``). The per-field
check (a Python call per field, most of the cost of reading a 100,000-person
roster) is skipped; every other rule is checked again."""


def storable_text(values: Iterable[Any]) -> bool:
    """Whether every string among ``values`` is storable, checked in one pass."""
    joined = "".join(v for v in values if isinstance(v, str))
    return "\x00" not in joined and not _SURROGATE.search(joined)


class CleanModel(BaseModel):
    """Every string field, at any depth, is refused if it cannot be stored."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context is KNOWN_STORABLE:
            return value
        return refuse_unstorable(value)


class ValueObject(CleanModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """Immutable, so a copy is the value itself (aggregates are deep-copied per command)."""
        return self


# --- policy ------------------------------------------------------------------


class EscalationLadder(ValueObject):
    """Delay before each rung, counted from the previous rung (or the deadline)."""

    manager: Duration = timedelta(days=2)
    skip_level: Duration = timedelta(days=3)
    hr_partner: Duration = timedelta(days=5)


class Policy(ValueObject):
    """The deadlines of a cycle. Overridable per cycle; frozen when the cycle opens."""

    prep_window: Duration = Field(
        timedelta(days=14), description="from case opened to self-assessment recorded"
    )
    meeting_request_window: Duration = Field(
        timedelta(days=21), description="from case opened to meeting requested"
    )
    meeting_response: Duration = Field(
        timedelta(days=3), description="manager's time to answer a meeting request"
    )
    meeting_notice: Duration = Field(
        timedelta(days=7), description="minimum notice between request and meeting"
    )
    plan_due: Duration = Field(timedelta(days=14), description="from meeting held to plan")
    approval_sla: Duration = Field(timedelta(days=5), description="from plan submitted")
    checkin_cadence: Duration = Field(timedelta(days=30), description="after plan approved")
    checkin_grace: Duration = Field(timedelta(days=7), description="after a check-in is due")
    reminder_lead: Duration = Field(timedelta(days=2), description="reminder before a deadline")
    escalation: EscalationLadder = EscalationLadder()
    retention: Retention | None = Field(
        None,
        description="after the cycle closes, its cases' personal data is erased "
        "(ISO-8601, e.g. P3Y); null: kept until a person's own erasure",
    )
    enrol_new_hires_after: Duration | None = Field(
        None,
        description="people who join the roster while the cycle is open are enrolled this "
        "long after their start date (or the day they were added), e.g. P14D; null: HR "
        "enrols them by opening the cycle again",
    )
    extend_deadlines_for_absence: bool = Field(
        True,
        description="an employee's own deadlines (self-assessment, meeting request, plan) "
        "move later by the time they are recorded as away",
    )
    escalation_digest_hour: int | None = Field(
        8,
        ge=0,
        le=23,
        description="escalations reach their managers and HR as one digest a day at this hour "
        "of the recipient's own time zone (the inbox still shows each at once); "
        "null: each escalation is sent at once",
    )


# --- people --------------------------------------------------------------------


class Participants(ValueObject):
    """Who is around one employee's case, as the roster says."""

    employee_id: PersonId
    manager_id: PersonId
    skip_level_id: PersonId | None = None
    hr_partner_id: PersonId | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Participants:
        if self.manager_id == self.employee_id:
            raise ValueError("manager_id: an employee cannot be their own manager")
        if self.skip_level_id is not None and self.skip_level_id == self.employee_id:
            raise ValueError("skip_level_id: an employee cannot be their own skip-level")
        return self


class Party(StrEnum):
    """Who owns a deadline inside a case."""

    EMPLOYEE = "employee"
    MANAGER = "manager"


class Rung(IntEnum):
    """The escalation ladder above a deadline's owner."""

    MANAGER = 1
    SKIP_LEVEL = 2
    HR_PARTNER = 3


# --- preparation ---------------------------------------------------------------


class Measure(ValueObject):
    """A measurable result: what was measured and the value reached."""

    metric: Text
    value: float
    unit: Unit = ""
    baseline: float | None = None


class StarResult(ValueObject):
    description: Text
    measure: Measure


class StarAchievement(ValueObject):
    """An achievement told as Situation, Task, Action, Result (with a measure)."""

    situation: Text
    task: Text
    action: Text
    result: StarResult


class SkillFit(ValueObject):
    skill: Text
    fit: Text = Field(description="how the skill fits the role and the organisation's needs")


class Gap(ValueObject):
    kind: Literal["skill", "experience", "relational"]
    description: Text


class Aspirations(ValueObject):
    next_roles: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    interests: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _something(self) -> Aspirations:
        if not self.next_roles and not self.interests:
            raise ValueError("aspirations: name at least one next role or area of interest")
        return self


class SelfAssessment(ValueObject):
    skills: list[SkillFit] = Field(min_length=1, max_length=MAX_ITEMS)
    achievements: list[StarAchievement] = Field(min_length=1, max_length=MAX_ITEMS)
    gaps: list[Gap] = Field(default_factory=list, max_length=MAX_ITEMS)
    aspirations: Aspirations


class Measurable(ValueObject):
    """The M of SMART: a metric and the target value for it."""

    metric: Text
    target: float
    unit: Unit = ""
    baseline: float | None = None


class ReflectAndReadjust(ValueObject):
    """The R of SMART+ER: when and how the goal will be revisited."""

    every: Duration
    how: Text


class SmartErGoal(ValueObject):
    """A goal in SMART+ER form; the due date is checked against the cycle by the case."""

    goal_id: Slug
    specific: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)
    ]
    measurable: Measurable
    achievable: Text
    relevant: Text
    due_on: date = Field(description="time-bound: the date the goal is reached by")
    emotional_connection: Text = Field(description="why it matters to the person")
    reflect_and_readjust: ReflectAndReadjust
    competencies: list[CompetencyName] = Field(
        default_factory=list,
        max_length=10,
        description="the career framework's competencies the goal develops",
    )


class PeerFeedback(ValueObject):
    strengths: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    improvements: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _something(self) -> PeerFeedback:
        if not self.strengths and not self.improvements:
            raise ValueError("feedback: give at least one strength or improvement")
        return self


# --- the meeting ---------------------------------------------------------------


class AgendaTopic(StrEnum):
    ACHIEVEMENTS = "achievements"
    WHAT_MATTERS_NOW = "what_matters_now"
    GOALS = "goals"
    GAPS = "gaps"
    SUPPORT_NEEDED = "support_needed"
    NEXT_STEPS = "next_steps"


class Agenda(ValueObject):
    topics: list[AgendaTopic] = Field(min_length=1, max_length=MAX_ITEMS)
    notes: Note = ""

    @model_validator(mode="after")
    def _unique(self) -> Agenda:
        if len(set(self.topics)) != len(self.topics):
            raise ValueError("topics: each topic may appear once")
        return self


class FeedbackPoint(ValueObject):
    point: Text
    example: Text


class ConversationFeedback(ValueObject):
    """Feedback one party gives the other in the meeting, with examples."""

    strengths: list[FeedbackPoint] = Field(default_factory=list, max_length=MAX_ITEMS)
    improvements: list[FeedbackPoint] = Field(default_factory=list, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _something(self) -> ConversationFeedback:
        if not self.strengths and not self.improvements:
            raise ValueError("feedback: give at least one strength or improvement")
        return self


class ActionItemSpec(ValueObject):
    title: Text
    owner_id: PersonId
    due_at: AwareDatetime


class Recap(ValueObject):
    learned: Text
    action_items: list[ActionItemSpec] = Field(default_factory=list, max_length=MAX_ITEMS)
    follow_up_on: date


# --- the plan ------------------------------------------------------------------


class DevelopmentActivity(ValueObject):
    kind: Literal["training", "mentoring", "stretch_project", "job_rotation", "other"]
    description: Text


class ManagerSupport(ValueObject):
    description: Text
    sponsorship: bool = False


class DevelopmentPlan(ValueObject):
    goals: list[SmartErGoal] = Field(min_length=1, max_length=MAX_ITEMS)
    activities: list[DevelopmentActivity] = Field(min_length=1, max_length=MAX_ITEMS)
    support: ManagerSupport
    alignment: list[Text] = Field(
        min_length=1, max_length=MAX_ITEMS, description="OKRs, KPIs or team goals"
    )

    @model_validator(mode="after")
    def _unique_goals(self) -> DevelopmentPlan:
        ids = [g.goal_id for g in self.goals]
        if len(set(ids)) != len(ids):
            raise ValueError("goals: goal_id must be unique within a plan")
        return self

    def goal(self, goal_id: str) -> SmartErGoal | None:
        return next((g for g in self.goals if g.goal_id == goal_id), None)

    def with_goal(self, goal: SmartErGoal) -> DevelopmentPlan:
        """A copy with one goal replaced (readjusting never edits a version in place)."""
        goals = [goal if g.goal_id == goal.goal_id else g for g in self.goals]
        return self.model_copy(update={"goals": goals})


class GoalProgress(ValueObject):
    goal_id: Slug
    percent: int = Field(ge=0, le=100)
    note: Note = ""


class CaseOutcome(StrEnum):
    PLAN_APPROVED = "plan_approved"
    INCOMPLETE = "incomplete"
    WITHDRAWN = "withdrawn"


VALUE_TYPES: tuple[type[ValueObject], ...] = (
    EscalationLadder,
    Policy,
    Participants,
    Measure,
    StarResult,
    StarAchievement,
    SkillFit,
    Gap,
    Aspirations,
    SelfAssessment,
    Measurable,
    ReflectAndReadjust,
    SmartErGoal,
    PeerFeedback,
    Agenda,
    FeedbackPoint,
    ConversationFeedback,
    ActionItemSpec,
    Recap,
    DevelopmentActivity,
    ManagerSupport,
    DevelopmentPlan,
    GoalProgress,
)
"""Every value object that events may carry (registered with the transcoder)."""
