"""One record per step: everything the service needs to know about a step, in one place.

Every command declares its step's record (``step = StepRecord(...)`` on the class in
``domain/commands.py``): what it does in words, who takes it, where it sits in the
process, its path on the API, the tasks on whose page its form shows, the form
itself (or none: API only), which of its events somebody is told about (or none:
silent), and, for a step that opens a task of its own, when that task is open. The
route table, the page forms, the forms each task shows, the tasks of a step with a
rule of its own and the notifier's subscription are all built from these records;
``tests/unit/test_step_conformance.py`` names whatever a step or an event lacks.

Pure data: no I/O, no web framework (the pages render the forms declared here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Literal

from domain.phases import Phase


class Who(StrEnum):
    """Who may take a step on a case (relationships come from the case's participants)."""

    EMPLOYEE = "the employee"
    MANAGER = "the employee's manager"
    EITHER = "the employee or their manager"
    PEER = "the coworkers asked"
    SERVICE = "the careerflow service"
    ANYONE = "anyone the caller's access check lets through"


class Stage(IntEnum):
    """Where a step sits in the process (DESIGN.md §1)."""

    PREPARE = 1
    REQUEST = 2
    AGENDA = 3
    CONVERSATION = 4
    PLAN = 5
    APPROVAL = 6
    CHECK_INS = 7
    CLOSE = 8


class Task(StrEnum):
    """What somebody owes on a case (the tasks read model lists them)."""

    PREPARE = "prepare"
    REQUEST_MEETING = "request_meeting"
    ANSWER_MEETING_REQUEST = "answer_meeting_request"
    SHARE_AGENDA = "share_agenda"
    HOLD_MEETING = "hold_meeting"
    GIVE_FEEDBACK = "give_feedback"
    SHARE_RECAP = "share_recap"
    SUBMIT_PLAN = "submit_plan"
    REVIEW_PLAN = "review_plan"
    GIVE_PEER_FEEDBACK = "give_peer_feedback"
    HOLD_CHECK_IN = "hold_check_in"
    FINISH_ACTION_ITEM = "finish_action_item"
    ESCALATION = "escalation"


WHAT: dict[str, str] = {
    Task.PREPARE: "record your self-assessment",
    Task.REQUEST_MEETING: "request the career conversation",
    Task.ANSWER_MEETING_REQUEST: "answer the meeting request",
    Task.SHARE_AGENDA: "share the agenda",
    Task.HOLD_MEETING: "hold the career conversation and record it",
    Task.GIVE_FEEDBACK: "give feedback on the conversation",
    Task.SHARE_RECAP: "share the recap",
    Task.SUBMIT_PLAN: "draft and submit the development plan",
    Task.REVIEW_PLAN: "approve the plan or send it back",
    Task.GIVE_PEER_FEEDBACK: "answer the peer-feedback request",
    Task.HOLD_CHECK_IN: "hold the check-in",
    Task.FINISH_ACTION_ITEM: "finish the action item",
    Task.ESCALATION: "see that late work gets done",
}
"""Each task of the process in words, for lists and messages (steps with a task rule of
their own add theirs: ``task_wording``)."""


Kind = Literal[
    "text",
    "textarea",
    "datetime",
    "date",
    "number",
    "checkbox",
    "topics",
    "select",
    "goal",
    "competencies",
    "rating",
    "track",
    "level",
    "person",
    "duration",
]
"""How a field is entered; ``goal`` picks one of the approved plan's goals; ``person`` picks
someone by name (from the people the viewer may pick); ``duration`` a usual interval or a
number of days; ``competencies``, ``rating``, ``track`` and ``level`` are filled from the
case's career framework (``rating``: one select per competency of the person's level).
A field whose name has a list position (``skills.0.skill``) is one entry of a part the
form can repeat (add another skill, remove one)."""


@dataclass(frozen=True)
class FormField:
    """One field of a step's form, named by its path in the command (``goals.0.specific``)."""

    name: str
    label: str
    kind: Kind = "text"
    help: str = ""
    required: bool = True
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Form:
    """A step's page form: its title, its button and its fields."""

    title: str
    button: str
    fields: tuple[FormField, ...] = ()
    intro: str = ""
    fixed: Mapping[str, str] = field(default_factory=dict)
    """Values the page fills in itself (a goal's id)."""


@dataclass(frozen=True)
class TaskRule:
    """A task a step opens by itself: owed by ``owner`` while the case is in one of
    ``phases`` and until the step's ``done_by`` event is recorded."""

    task: str
    what: str
    owner: Who
    phases: frozenset[Phase]
    done_by: type


@dataclass(frozen=True)
class StepRecord:
    """Everything about one step; see the module's docstring."""

    action: str
    """What the step does, for messages ("may not <action>")."""
    who: Who
    stage: Stage | None = None
    """None: a step the service takes when a timer fires."""
    path: str | None = None
    """``POST …/<path>`` under its case (or action item); None: not on the API."""
    summary: str = ""
    tasks: tuple[str, ...] = ()
    """The tasks on whose page this step's form is offered."""
    form: Form | None = None
    """None: the step is taken through the API only."""
    tells: tuple[type, ...] = ()
    """The events of this step somebody is told about (each has a message composer);
    empty: the step is silent."""
    opens: TaskRule | None = None
    offered_in: frozenset[Phase] = frozenset()
    """Phases in which the form is offered to whoever may take the step, task or not
    (draft goals before the meeting, progress once the plan is approved)."""
    routed: bool = True
    """False: the step's route is written by hand (it answers something other than the case)."""

    @property
    def title(self) -> str:
        """The summary with the step's place in the process ("3. Share the agenda")."""
        return self.summary if self.stage is None else f"{self.stage.value}. {self.summary}"


def task_wording(task: str, rules: tuple[TaskRule, ...] = ()) -> str:
    """A task in words: the process's own, or the one a step's task rule gives."""
    if task in WHAT:
        return WHAT[task]
    for rule in rules:
        if rule.task == task:
            return rule.what
    return task.replace("_", " ")


# --- what the forms share -------------------------------------------------------------

STAR = "Situation, Task, Action, Result: what was going on, what you had to do, what you did"
SMART = (
    "Specific, Measurable, Achievable, Relevant, Time-bound — plus an Emotional connection "
    "and a way to Reflect and readjust"
)
GOAL_FIELDS = (
    FormField("specific", "Specific: what exactly will you do?", "textarea"),
    FormField("measurable.metric", "Measurable: what will you count?"),
    FormField("measurable.target", "Target", "number"),
    FormField("measurable.unit", "Unit", required=False),
    FormField("achievable", "Achievable: why is it within reach?", "textarea"),
    FormField("relevant", "Relevant: how does it serve the team's goals?", "textarea"),
    FormField("due_on", "Time-bound: done by", "date"),
    FormField(
        "emotional_connection", "Emotional connection: why does it matter to you?", "textarea"
    ),
    FormField("reflect_and_readjust.every", "Reflect and readjust every", "duration"),
    FormField("reflect_and_readjust.how", "How you will reflect"),
    FormField(
        "competencies",
        "Competencies it develops (from the career framework)",
        "competencies",
        required=False,
    ),
)


GAP_FIELDS = (
    FormField(
        "gaps.0.kind",
        "A gap to close",
        "select",
        required=False,
        options=(
            ("", "—"),
            ("skill", "skill"),
            ("experience", "experience"),
            ("relational", "relational"),
        ),
    ),
    FormField("gaps.0.description", "What is missing", "textarea", required=False),
)
"""A self-assessment's gap (skill, experience or relational; ``values.Gap``), optional."""


def goal_fields(prefix: str) -> tuple[FormField, ...]:
    """The SMART+ER goal's fields under ``prefix`` (a plan's goal, a readjusted goal)."""
    return tuple(
        FormField(f"{prefix}{f.name}", f.label, f.kind, f.help, f.required) for f in GOAL_FIELDS
    )
