"""Step forms: which fields each step asks for, and how a posted form becomes its command.

Fields are named by their path in the command (``achievements.0.result.description``),
so a posted form unflattens into the command's JSON shape and the domain's own
validation (the same command objects the API takes) reports errors by the same
names, shown next to the field. Times are entered in the viewer's time zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from domain import commands as c
from domain.values import AgendaTopic

Kind = Literal["text", "textarea", "datetime", "date", "number", "checkbox", "topics", "select"]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = "text"
    help: str = ""
    required: bool = True
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StepForm:
    path: str
    """The step's name in URLs (the API's path under the case)."""
    command: type[c.CaseCommand] | type[c.ItemCommand]
    title: str
    button: str
    fields: tuple[Field, ...] = ()
    intro: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)
    """Values the page fills in itself (a goal's id)."""


STAR = "Situation, Task, Action, Result: what was going on, what you had to do, what you did"
SMART = (
    "Specific, Measurable, Achievable, Relevant, Time-bound — plus an Emotional connection "
    "and a way to Reflect and readjust"
)

GOAL_FIELDS = (
    Field("specific", "Specific: what exactly will you do?", "textarea"),
    Field("measurable.metric", "Measurable: what will you count?"),
    Field("measurable.target", "Target", "number"),
    Field("measurable.unit", "Unit", required=False),
    Field("achievable", "Achievable: why is it within reach?", "textarea"),
    Field("relevant", "Relevant: how does it serve the team's goals?", "textarea"),
    Field("due_on", "Time-bound: done by", "date"),
    Field("emotional_connection", "Emotional connection: why does it matter to you?", "textarea"),
    Field("reflect_and_readjust.every", "Reflect and readjust every (ISO duration, e.g. P30D)"),
    Field("reflect_and_readjust.how", "How you will reflect"),
)

FORMS: dict[str, StepForm] = {
    f.path: f
    for f in (
        StepForm(
            "self-assessment",
            c.RecordSelfAssessment,
            "Record your self-assessment",
            "Save self-assessment",
            (
                Field("skills.0.skill", "A skill you bring"),
                Field("skills.0.fit", "Where it fits the team's needs", "textarea"),
                Field("achievements.0.situation", "Achievement — Situation", "textarea"),
                Field("achievements.0.task", "Task: what you had to do", "textarea"),
                Field("achievements.0.action", "Action: what you did", "textarea"),
                Field("achievements.0.result.description", "Result: what changed", "textarea"),
                Field("achievements.0.result.measure.metric", "Result measured by"),
                Field("achievements.0.result.measure.value", "Value", "number"),
                Field("aspirations.next_roles.0", "A role you would like next"),
            ),
            intro=f"Describe one achievement with STAR — {STAR}.",
        ),
        StepForm(
            "goals",
            c.ProposeGoal,
            "Propose a SMART+ER goal",
            "Propose goal",
            GOAL_FIELDS,
            intro=SMART,
        ),
        StepForm(
            "peer-feedback-requests",
            c.RequestPeerFeedback,
            "Ask a coworker for feedback",
            "Ask for feedback",
            (Field("peer_id", "Coworker (employee id)"),),
        ),
        StepForm(
            "meeting/request",
            c.RequestMeeting,
            "Request the career conversation",
            "Request meeting",
            (Field("proposed_for", "Proposed time", "datetime"),),
        ),
        StepForm("meeting/accept", c.AcceptMeeting, "Accept the meeting", "Accept"),
        StepForm(
            "meeting/reschedule",
            c.RescheduleMeeting,
            "Propose another time",
            "Move the meeting",
            (Field("new_time", "New time", "datetime"), Field("reason", "Why it moves")),
        ),
        StepForm(
            "meeting/decline",
            c.DeclineMeeting,
            "Decline (or call off) the meeting",
            "Decline",
            (Field("reason", "Reason", "textarea"),),
        ),
        StepForm(
            "agenda",
            c.ShareAgenda,
            "Share the agenda",
            "Share agenda",
            (
                Field(
                    "topics",
                    "Topics",
                    "topics",
                    options=tuple((t.value, t.value.replace("_", " ")) for t in AgendaTopic),
                ),
                Field("notes", "Notes", "textarea", required=False),
            ),
        ),
        StepForm(
            "meeting/held",
            c.HoldMeeting,
            "Record that the conversation took place",
            "It took place",
            (Field("held_at", "When (default: now)", "datetime", required=False),),
        ),
        StepForm(
            "feedback",
            c.GiveFeedback,
            "Give feedback on the conversation",
            "Give feedback",
            (
                Field("strengths.0.point", "A strength"),
                Field("strengths.0.example", "An example", "textarea"),
                Field("improvements.0.point", "Something to improve", required=False),
                Field("improvements.0.example", "An example", "textarea", required=False),
            ),
        ),
        StepForm(
            "recap",
            c.ShareRecap,
            "Share the recap",
            "Share recap",
            (
                Field("learned", "What you learned", "textarea"),
                Field("follow_up_on", "Follow up on", "date"),
                Field("action_items.0.title", "Action item", required=False),
                Field("action_items.0.owner_id", "Its owner (employee id)", required=False),
                Field("action_items.0.due_at", "Due", "datetime", required=False),
            ),
        ),
        StepForm(
            "plan",
            c.DraftPlan,
            "Draft the development plan",
            "Save draft",
            (
                *(
                    Field(f"goals.0.{f.name}", f.label, f.kind, f.help, f.required)
                    for f in GOAL_FIELDS
                ),
                Field(
                    "activities.0.kind",
                    "Development activity",
                    "select",
                    options=tuple(
                        (k, k.replace("_", " "))
                        for k in (
                            "training",
                            "mentoring",
                            "stretch_project",
                            "job_rotation",
                            "other",
                        )
                    ),
                ),
                Field("activities.0.description", "What it is", "textarea"),
                Field("support.description", "Support you need from your manager", "textarea"),
                Field("support.sponsorship", "Sponsorship asked", "checkbox", required=False),
                Field("alignment.0", "Aligned with (an OKR or team goal)"),
            ),
            intro=SMART,
            fixed={"goals.0.goal_id": "g1"},
        ),
        StepForm("plan/submit", c.SubmitPlan, "Submit the plan for approval", "Submit plan"),
        StepForm(
            "plan/request-changes",
            c.RequestPlanChanges,
            "Send the plan back",
            "Request changes",
            (Field("comments", "What should change", "textarea"),),
        ),
        StepForm("plan/approve", c.ApprovePlan, "Approve the plan", "Approve"),
        StepForm(
            "check-ins",
            c.HoldCheckIn,
            "Record a check-in",
            "Record check-in",
            (Field("notes", "Notes", "textarea"),),
        ),
        StepForm(
            "goal-progress",
            c.RecordGoalProgress,
            "Record progress on a goal",
            "Record progress",
            (
                Field("goal_id", "Goal", "select"),
                Field("percent", "Done (percent)", "number"),
                Field("note", "Note", "textarea", required=False),
            ),
        ),
        StepForm(
            "goals/readjust",
            c.ReadjustGoal,
            "Readjust a goal",
            "Propose the readjusted goal",
            (
                Field("goal.goal_id", "Goal to readjust", "select"),
                *(
                    Field(f"goal.{f.name}", f.label, f.kind, f.help, f.required)
                    for f in GOAL_FIELDS
                ),
                Field("reason", "Why it changes", "textarea"),
            ),
            intro="The employee's readjustment waits for the manager's approval; "
            "the manager's takes effect at once. Approved versions stay as they were.",
        ),
        StepForm(
            "peer-feedback",
            c.GivePeerFeedback,
            "Give the feedback you were asked for",
            "Send feedback",
            (
                Field("feedback.strengths.0", "A strength, with an example", "textarea"),
                Field(
                    "feedback.improvements.0", "Something to improve", "textarea", required=False
                ),
                Field(
                    "anonymous",
                    "Do not show my name to the employee or the manager",
                    "checkbox",
                    required=False,
                ),
            ),
        ),
    )
}


def _value(spec: Field, raw: list[str], zone: ZoneInfo) -> Any:
    if spec.kind == "topics":
        return raw
    value = raw[-1].strip() if raw else ""
    if spec.kind == "checkbox":
        return value in ("on", "true", "1")
    if spec.kind == "datetime" and value:
        try:
            return datetime.fromisoformat(value).replace(tzinfo=zone).isoformat()
        except ValueError:
            return value  # the command's validation names the field
    return value


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.0.b": 1}`` → ``{"a": [{"b": 1}]}`` (numeric parts are list positions)."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        parts = path.split(".")
        node: Any = root
        for part, following in itertools.pairwise(parts):
            key: Any = int(part) if part.isdigit() else part
            empty: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                while len(node) <= key:
                    node.append(None)
                node[key] = node[key] if node[key] is not None else empty
                node = node[key]
            else:
                node = node.setdefault(key, empty)
        last: Any = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
        if isinstance(node, list):
            while len(node) <= last:
                node.append(None)
        node[last] = value
    return root


def payload(form: StepForm, posted: Mapping[str, list[str]], zone: ZoneInfo) -> dict[str, Any]:
    """The command's body from a posted form: blank optional fields (and a list entry left
    wholly blank) are left out, so the command's defaults apply."""
    flat: dict[str, Any] = dict(form.fixed)
    for spec in form.fields:
        value = _value(spec, posted.get(spec.name, []), zone)
        if value in ("", []) and not spec.required:
            continue
        flat[spec.name] = value
    flat = _drop_blank_entries(form, flat)
    return unflatten(flat)


def _drop_blank_entries(form: StepForm, flat: dict[str, Any]) -> dict[str, Any]:
    """An optional list entry (an action item, an improvement) with every field blank is
    not there at all; one with some fields filled is validated as a whole."""
    optional = {s.name.rsplit(".", 1)[0] for s in form.fields if not s.required and "." in s.name}
    for prefix in optional:
        members = [s for s in form.fields if s.name.rsplit(".", 1)[0] == prefix]
        if any(s.required for s in members) or not any(s.name in flat for s in members):
            continue
        for s in members:  # partly filled: the blank ones go in, to be named as missing
            flat.setdefault(s.name, "")
    return flat


def field_name(location: tuple[Any, ...]) -> str:
    """A validation error's location as the form field's name."""
    return ".".join(str(part) for part in location)


GOAL_CHOICE = {"goal-progress": "goal_id", "goals/readjust": "goal.goal_id"}
"""Forms that pick one of the approved plan's goals."""


def with_goals(form: StepForm, goals: list[tuple[str, str]]) -> StepForm:
    """The form with its goal picker listing these (id, text) goals."""
    name = GOAL_CHOICE.get(form.path)
    if name is None:
        return form
    fields = tuple(replace(f, options=tuple(goals)) if f.name == name else f for f in form.fields)
    return replace(form, fields=fields)
