"""Commands: one frozen model per step of a case or an action item.

A command's fields are the step's input, so the API takes them as request bodies
and the CLI, the pages and the workflows' activities build the same objects. Each
command says who may take it (checked before anything about the case's state) and
how it is applied to its aggregate; ``CareerFlow.execute`` is the one path that
loads the aggregate, lets the caller's access check look at it, applies the
command and saves.

Steps whose input is a value object (a self-assessment, an agenda, a plan, ...)
are that value object with the step's name, so the request body keeps its shape.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar, Self, TypeVar, cast
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain import errors
from domain.action_item import ActionItem, CaseContext, action_item_id_for
from domain.base import SYSTEM_ACTOR, By, CareerAggregate
from domain.case import DevelopmentCase
from domain.values import (
    MAX_ITEMS,
    ActionItemSpec,
    Agenda,
    CaseOutcome,
    CleanModel,
    ConversationFeedback,
    DevelopmentPlan,
    GoalProgress,
    Note,
    Participants,
    PeerFeedback,
    PersonId,
    Recap,
    SelfAssessment,
    SmartErGoal,
    Text,
    ValueObject,
)

V = TypeVar("V", bound=ValueObject)


class Who(StrEnum):
    """Who may take a step on a case (relationships come from the case's participants)."""

    EMPLOYEE = "the employee"
    MANAGER = "the employee's manager"
    EITHER = "the employee or their manager"
    PEER = "the coworkers asked"
    SERVICE = "the careerflow service"
    ANYONE = "anyone the caller's access check lets through"


class Command(CleanModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    action: ClassVar[str] = "act"
    """What the step does, for messages ("may not <action>")."""

    def fingerprint(self) -> str:
        """A digest of the request: a repeated Idempotency-Key must come with the same one."""
        digest = hashlib.sha256(f"{type(self).__name__}:{self.model_dump_json()}".encode())
        return digest.hexdigest()[:24]


def _as(model: type[V], command: BaseModel) -> V:
    """The value object a value-shaped command carries (already validated)."""
    fields = {name: getattr(command, name) for name in model.model_fields}
    return cast(V, model.model_construct(**fields))


class CaseCommand(Command):
    who: ClassVar[Who] = Who.EITHER

    def people(self) -> list[tuple[str, str]]:
        """(field, person id) for every person the command names: they must be on the roster."""
        return []

    @classmethod
    def of(cls, value: BaseModel) -> Self:
        """A value-shaped command from the value it carries (already validated)."""
        fields = {name: getattr(value, name) for name in cls.model_fields}
        return cast(Self, cls.model_construct(**fields))

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        """Take the step; return any aggregates it creates (saved with the case)."""
        raise NotImplementedError


class ItemCommand(Command):
    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        raise NotImplementedError


# --- people ------------------------------------------------------------------------


class ChangeManager(CaseCommand):
    action = "record a roster change"
    who = Who.ANYONE
    participants: Participants

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.change_manager(participants=self.participants, by=by)
        return ()


# --- 1. prepare --------------------------------------------------------------------


class RecordSelfAssessment(SelfAssessment, CaseCommand):
    action = "record the self-assessment"
    who = Who.EMPLOYEE

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.record_self_assessment(assessment=_as(SelfAssessment, self), by=by)
        return ()


class ProposeGoal(SmartErGoal, CaseCommand):
    action = "propose a goal"
    who = Who.EMPLOYEE

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.propose_goal(goal=_as(SmartErGoal, self), by=by)
        return ()


class RequestPeerFeedback(CaseCommand):
    action = "request peer feedback"
    who = Who.EMPLOYEE
    peer_id: PersonId

    def people(self) -> list[tuple[str, str]]:
        return [("peer_id", self.peer_id)]

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.request_peer_feedback(peer_id=self.peer_id, by=by)
        return ()


class GivePeerFeedback(CaseCommand):
    action = "give peer feedback"
    who = Who.PEER
    feedback: PeerFeedback
    anonymous: bool = False

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.receive_peer_feedback(feedback=self.feedback, anonymous=self.anonymous, by=by)
        return ()


# --- 2. request the meeting ----------------------------------------------------------


class RequestMeeting(CaseCommand):
    action = "request the meeting"
    who = Who.EMPLOYEE
    proposed_for: AwareDatetime = Field(description="at least the policy's notice ahead")

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.request_meeting(proposed_for=self.proposed_for, by=by)
        return ()


class AcceptMeeting(CaseCommand):
    action = "accept the meeting"
    who = Who.MANAGER

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.accept_meeting(by=by)
        return ()


class RescheduleMeeting(CaseCommand):
    action = "reschedule the meeting"
    new_time: AwareDatetime
    reason: Text

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.reschedule_meeting(new_time=self.new_time, reason=self.reason, by=by)
        return ()


class DeclineMeeting(CaseCommand):
    action = "decline the meeting"
    who = Who.MANAGER
    reason: Text

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.decline_meeting(reason=self.reason, by=by)
        return ()


# --- 3. agenda, 4. the conversation ----------------------------------------------------


class ShareAgenda(Agenda, CaseCommand):
    action = "share the agenda"

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.share_agenda(agenda=_as(Agenda, self), by=by)
        return ()


class HoldMeeting(CaseCommand):
    action = "record the meeting as held"
    held_at: AwareDatetime | None = Field(None, description="when it took place (default: now)")

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.hold_meeting(held_at=self.held_at or by.at, by=by)
        return ()


class GiveFeedback(ConversationFeedback, CaseCommand):
    action = "give feedback"

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.give_feedback(feedback=_as(ConversationFeedback, self), by=by)
        return ()


def _agree(case: DevelopmentCase, item_id: UUID, spec: ActionItemSpec, by: By) -> ActionItem:
    return ActionItem.agree(
        id=item_id,
        case_id=case.id,
        cycle_id=case.cycle_id,
        employee_id=case.employee_id,
        spec=spec,
        by=By(by.actor, by.at),
    )


class ShareRecap(Recap, CaseCommand):
    """The recap and its action items are saved in one transaction."""

    action = "share the recap"

    def people(self) -> list[tuple[str, str]]:
        return [
            (f"action_items[{i}].owner_id", a.owner_id) for i, a in enumerate(self.action_items)
        ]

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        recap = _as(Recap, self)
        ids = [action_item_id_for(case.id, f"recap:{i}") for i in range(len(recap.action_items))]
        if not case.share_recap(recap=recap, action_item_ids=ids, by=by):
            return ()
        return [_agree(case, i, s, by) for i, s in zip(ids, recap.action_items, strict=True)]


class AddActionItem(ActionItemSpec, CaseCommand):
    """One more action item after the recap (at a check-in, say)."""

    action = "add an action item"

    def people(self) -> list[tuple[str, str]]:
        return [("owner_id", self.owner_id)]

    @staticmethod
    def item_id(case: DevelopmentCase, idempotency_key: str | None) -> UUID:
        """The item's id: from the client's key (kept apart from derived keys), else a count."""
        if idempotency_key is not None:
            return action_item_id_for(case.id, f"client:{idempotency_key}")
        return action_item_id_for(case.id, f"item:{len(case.action_item_ids)}")

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        spec = _as(ActionItemSpec, self)
        item_id = self.item_id(case, by.idempotency_key)
        if not case.add_action_item(spec=spec, action_item_id=item_id, by=by):
            return ()
        return [_agree(case, item_id, spec, by)]


# --- 5./6. the plan ----------------------------------------------------------------


class DraftPlan(DevelopmentPlan, CaseCommand):
    action = "draft the plan"
    who = Who.EMPLOYEE

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.draft_plan(plan=_as(DevelopmentPlan, self), by=by)
        return ()


class SubmitPlan(CaseCommand):
    action = "submit the plan"
    who = Who.EMPLOYEE

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.submit_plan(by=by)
        return ()


class RequestPlanChanges(CaseCommand):
    action = "request changes to the plan"
    who = Who.MANAGER
    comments: Text

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.request_plan_changes(comments=self.comments, by=by)
        return ()


class ApprovePlan(CaseCommand):
    action = "approve the plan"
    who = Who.MANAGER

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.approve_plan(by=by)
        return ()


# --- 7. check-ins and goals ------------------------------------------------------------


class HoldCheckIn(CaseCommand):
    action = "hold a check-in"
    notes: Text
    progress: list[GoalProgress] = Field(default_factory=list, max_length=MAX_ITEMS)

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.hold_check_in(notes=self.notes, progress=list(self.progress), by=by)
        return ()


class RecordGoalProgress(GoalProgress, CaseCommand):
    action = "record goal progress"

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.record_goal_progress(progress=_as(GoalProgress, self), by=by)
        return ()


class ReadjustGoal(CaseCommand):
    action = "readjust a goal"
    goal: SmartErGoal
    reason: Text

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.readjust_goal(goal=self.goal, reason=self.reason, by=by)
        return ()


# --- 8. close ----------------------------------------------------------------------


class CloseCase(CaseCommand):
    """Closing one case is HR's decision; the caller's access check says who is HR."""

    action = "close a case"
    who = Who.ANYONE
    outcome: CaseOutcome | None = Field(None, description="derived from the case when omitted")

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.close(outcome=self.outcome, by=By(by.actor, by.at))
        return ()


# --- action items --------------------------------------------------------------------


class CompleteActionItem(ItemCommand):
    action = "complete the action item"
    note: Note = ""

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.complete(note=self.note, context=context, by=by)


class RescheduleActionItem(ItemCommand):
    action = "reschedule the action item"
    new_due_at: AwareDatetime
    reason: Text

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.reschedule(new_due_at=self.new_due_at, reason=self.reason, context=context, by=by)


class CancelActionItem(ItemCommand):
    action = "cancel the action item"
    reason: Text

    def apply(self, item: ActionItem, context: CaseContext, by: By) -> None:
        item.cancel(reason=self.reason, context=context, by=by)


def require_who(case: DevelopmentCase, command: CaseCommand, actor: str) -> None:
    """Who may take the step, checked before anything about the case's state."""
    allowed = {
        Who.EMPLOYEE: actor == case.employee_id,
        Who.MANAGER: actor == case.manager_id,
        Who.EITHER: actor in (case.employee_id, case.manager_id),
        Who.PEER: actor in case.peer_feedback,
        Who.SERVICE: actor == SYSTEM_ACTOR,
        Who.ANYONE: True,
    }[command.who]
    if not allowed:
        raise errors.NotPermitted(actor, command.action, command.who.value)
