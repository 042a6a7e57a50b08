"""The commands of steps 5 to 8: the plan, its approval, check-ins, goals and closing.

Each declares its step's record like those of steps 1 to 4 (``domain/commands.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from pydantic import Field

from domain import case_events as ev
from domain.base import By, CareerAggregate
from domain.case import DevelopmentCase
from domain.commands import CaseCommand, _as
from domain.phases import Phase
from domain.step_records import SMART, Form, FormField, Stage, StepRecord, Task, Who, goal_fields
from domain.values import (
    MAX_ITEMS,
    CaseOutcome,
    DevelopmentActivity,
    DevelopmentPlan,
    GoalProgress,
    SmartErGoal,
    Text,
)

F = FormField
ACTIVITY_KINDS: tuple[str, ...] = get_args(DevelopmentActivity.model_fields["kind"].annotation)
"""The kinds of development activity, as the plan's value object names them."""

# --- 5./6. the plan ----------------------------------------------------------------


class DraftPlan(DevelopmentPlan, CaseCommand):
    step = StepRecord(
        action="draft the plan",
        who=Who.EMPLOYEE,
        stage=Stage.PLAN,
        path="plan",
        summary="Draft (or edit the draft of) the development plan",
        tasks=(Task.SUBMIT_PLAN,),
        form=Form(
            "Draft the development plan",
            "Save draft",
            (
                *goal_fields("goals.0."),
                F(
                    "activities.0.kind",
                    "Development activity",
                    "select",
                    options=tuple((k, k.replace("_", " ")) for k in ACTIVITY_KINDS),
                ),
                F("activities.0.description", "What it is", "textarea"),
                F("support.description", "Support you need from your manager", "textarea"),
                F("support.sponsorship", "Sponsorship asked", "checkbox", required=False),
                F("alignment.0", "Aligned with (an OKR or team goal)"),
            ),
            intro=SMART,
            fixed={"goals.0.goal_id": "g{n}"},  # each goal of the form: g1, g2, ...
        ),
    )

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.draft_plan(plan=_as(DevelopmentPlan, self), by=by)
        return ()


class SubmitPlan(CaseCommand):
    step = StepRecord(
        action="submit the plan",
        who=Who.EMPLOYEE,
        stage=Stage.APPROVAL,
        path="plan/submit",
        summary="Submit the plan for approval",
        tasks=(Task.SUBMIT_PLAN,),
        form=Form("Submit the plan for approval", "Submit plan"),
        tells=(ev.PlanSubmitted,),
    )

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.submit_plan(by=by)
        return ()


class RequestPlanChanges(CaseCommand):
    step = StepRecord(
        action="request changes to the plan",
        who=Who.MANAGER,
        stage=Stage.APPROVAL,
        path="plan/request-changes",
        summary="The manager requests changes",
        tasks=(Task.REVIEW_PLAN,),
        form=Form(
            "Send the plan back",
            "Request changes",
            (F("comments", "What should change", "textarea"),),
        ),
        tells=(ev.PlanChangesRequested,),
    )
    comments: Text

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.request_plan_changes(comments=self.comments, by=by)
        return ()


class ApprovePlan(CaseCommand):
    step = StepRecord(
        action="approve the plan",
        who=Who.MANAGER,
        stage=Stage.APPROVAL,
        path="plan/approve",
        summary="The manager approves the plan",
        tasks=(Task.REVIEW_PLAN,),
        form=Form("Approve the plan", "Approve"),
        tells=(ev.PlanApproved,),
    )

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.approve_plan(by=by)
        return ()


# --- 7. check-ins and goals ------------------------------------------------------------


class HoldCheckIn(CaseCommand):
    step = StepRecord(
        action="hold a check-in",
        who=Who.EITHER,
        stage=Stage.CHECK_INS,
        path="check-ins",
        summary="Hold a check-in (progress per goal, notes)",
        tasks=(Task.HOLD_CHECK_IN,),
        form=Form("Record a check-in", "Record check-in", (F("notes", "Notes", "textarea"),)),
    )
    notes: Text
    progress: list[GoalProgress] = Field(default_factory=list, max_length=MAX_ITEMS)

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.hold_check_in(notes=self.notes, progress=list(self.progress), by=by)
        return ()


class RecordGoalProgress(GoalProgress, CaseCommand):
    step = StepRecord(
        action="record goal progress",
        who=Who.EITHER,
        stage=Stage.CHECK_INS,
        path="goal-progress",
        offered_in=frozenset({Phase.PLAN_APPROVED}),
        summary="Record progress on one goal",
        form=Form(
            "Record progress on a goal",
            "Record progress",
            (
                F("goal_id", "Goal", "goal"),
                F("percent", "Done (percent)", "number"),
                F("note", "Note", "textarea", required=False),
            ),
        ),
    )

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.record_goal_progress(progress=_as(GoalProgress, self), by=by)
        return ()


class ReadjustGoal(CaseCommand):
    step = StepRecord(
        action="readjust a goal",
        who=Who.EITHER,
        stage=Stage.CHECK_INS,
        path="goals/readjust",
        offered_in=frozenset({Phase.PLAN_APPROVED}),
        summary="Readjust a goal (a new approved version)",
        form=Form(
            "Readjust a goal",
            "Propose the readjusted goal",
            (
                F("goal.goal_id", "Goal to readjust", "goal"),
                *goal_fields("goal."),
                F("reason", "Why it changes", "textarea"),
            ),
            intro="The employee's readjustment waits for the manager's approval; "
            "the manager's takes effect at once. Approved versions stay as they were.",
        ),
        tells=(ev.ReadjustmentProposed,),
    )
    goal: SmartErGoal
    reason: Text

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.readjust_goal(goal=self.goal, reason=self.reason, by=by)
        return ()


# --- 8. close ----------------------------------------------------------------------


class CloseCase(CaseCommand):
    """Closing one case is HR's decision; the caller's access check says who is HR."""

    step = StepRecord(
        action="close a case",
        who=Who.ANYONE,
        stage=Stage.CLOSE,
        path="close",
        summary="Close one case with its outcome (HR admin)",
        tells=(ev.CaseClosed,),
        routed=False,  # HR's own access check
    )
    outcome: CaseOutcome | None = Field(None, description="derived from the case when omitted")

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.close(outcome=self.outcome, by=By(by.actor, by.at))
        return ()
