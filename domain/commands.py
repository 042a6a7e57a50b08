"""Commands: one frozen model per step of a case or an action item, with the step's record.

A command's fields are the step's input, so the API takes them as request bodies
and the CLI, the pages and the workflows' activities build the same objects. Each
command declares its step's record (``step = StepRecord(...)``: who may take it,
its path, its form, its task, its message — ``domain/step_records.py``) and how it
is applied to its aggregate; ``CareerFlow.execute`` is the one path that loads the
aggregate, lets the caller's access check look at it, applies the command and saves.

Steps 1 to 4 are here, the plan and the follow-up (5 to 8) in ``plan_commands.py``,
action items in ``item_commands.py``, the service's timer steps in
``timer_commands.py``. Steps whose input is a value object (a self-assessment, an
agenda, a plan, ...) are that value object with the step's name, so the request
body keeps its shape.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, ClassVar, Self, TypeVar, cast
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain import case_events as ev
from domain import errors
from domain.action_item import ActionItem, CaseContext, action_item_id_for
from domain.base import SYSTEM_ACTOR, By, CareerAggregate
from domain.career_gap import competencies_named
from domain.case import DevelopmentCase
from domain.phases import BEFORE_MEETING
from domain.step_records import (
    GAP_FIELDS,
    GOAL_FIELDS,
    SMART,
    STAR,
    Form,
    FormField,
    Stage,
    StepRecord,
    Task,
    Who,
)
from domain.values import (
    ActionItemSpec,
    Agenda,
    AgendaTopic,
    CleanModel,
    ConversationFeedback,
    PeerFeedback,
    PersonId,
    Recap,
    SelfAssessment,
    SmartErGoal,
    Text,
    ValueObject,
)

F = FormField
V = TypeVar("V", bound=ValueObject)


STEP_COMMANDS: list[type[Command]] = []
"""Every command that declares a step record, in the order they were declared."""


class Command(CleanModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    step: ClassVar[StepRecord]
    """Everything about the step this command takes (``domain/step_records.py``)."""
    action: ClassVar[str] = "act"
    """What the step does, for messages ("may not <action>"): the record's."""
    who: ClassVar[Who] = Who.EITHER
    """Who may take it: the record's."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        record = cls.__dict__.get("step")
        if isinstance(record, StepRecord):
            cls.action, cls.who = record.action, record.who
            STEP_COMMANDS.append(cls)

    def arguments(self) -> dict[str, Any]:
        """The command's fields as they are (not serialised): the step method's arguments."""
        return {name: getattr(self, name) for name in type(self).model_fields}

    def fingerprint(self) -> str:
        """A digest of the request: a repeated Idempotency-Key must come with the same one."""
        digest = hashlib.sha256(f"{type(self).__name__}:{self.model_dump_json()}".encode())
        return digest.hexdigest()[:24]


def _as(model: type[V], command: BaseModel) -> V:
    """The value object a value-shaped command carries (already validated)."""
    fields = {name: getattr(command, name) for name in model.model_fields}
    return cast(V, model.model_construct(**fields))


class CaseCommand(Command):
    def people(self) -> list[tuple[str, str]]:
        """(field, person id) for every person the command names: they must be on the roster."""
        return []

    def competencies_named(self) -> list[tuple[str, str]]:
        """(field, name) for every competency its goals name: the case's framework must
        have them (``CommandPath`` checks, as the roster checks ``people``)."""
        return competencies_named(self)

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


# --- 1. prepare --------------------------------------------------------------------


class RecordSelfAssessment(SelfAssessment, CaseCommand):
    step = StepRecord(
        action="record the self-assessment",
        who=Who.EMPLOYEE,
        stage=Stage.PREPARE,
        path="self-assessment",
        summary="Prepare: record the self-assessment",
        tasks=(Task.PREPARE,),
        form=Form(
            "Record your self-assessment",
            "Save self-assessment",
            (
                F("skills.0.skill", "A skill you bring"),
                F("skills.0.fit", "Where it fits the team's needs", "textarea"),
                F("achievements.0.situation", "Achievement — Situation", "textarea"),
                F("achievements.0.task", "Task: what you had to do", "textarea"),
                F("achievements.0.action", "Action: what you did", "textarea"),
                F("achievements.0.result.description", "Result: what changed", "textarea"),
                F("achievements.0.result.measure.metric", "Result measured by"),
                F("achievements.0.result.measure.value", "Value", "number"),
                *GAP_FIELDS,
                F("aspirations.next_roles.0", "A role you would like next"),
                F("aspirations.interests.0", "An area that interests you", required=False),
            ),
            intro=f"Describe your achievements with STAR — {STAR}. Add as many as you need.",
        ),
    )

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.record_self_assessment(assessment=_as(SelfAssessment, self), by=by)
        return ()


class ProposeGoal(SmartErGoal, CaseCommand):
    step = StepRecord(
        action="propose a goal",
        who=Who.EMPLOYEE,
        stage=Stage.PREPARE,
        path="goals",
        summary="Prepare: propose a SMART+ER goal",
        tasks=(Task.PREPARE,),
        offered_in=BEFORE_MEETING,
        form=Form("Propose a SMART+ER goal", "Propose goal", GOAL_FIELDS, intro=SMART),
    )

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.propose_goal(goal=_as(SmartErGoal, self), by=by)
        return ()


class RequestPeerFeedback(CaseCommand):
    step = StepRecord(
        action="request peer feedback",
        who=Who.EMPLOYEE,
        stage=Stage.PREPARE,
        path="peer-feedback-requests",
        summary="Prepare: ask a coworker for feedback",
        tasks=(Task.PREPARE,),
        offered_in=BEFORE_MEETING,
        form=Form(
            "Ask a coworker for feedback",
            "Ask for feedback",
            (F("peer_id", "Coworker", "person"),),
        ),
        tells=(ev.PeerFeedbackRequested,),
    )
    peer_id: PersonId

    def people(self) -> list[tuple[str, str]]:
        return [("peer_id", self.peer_id)]

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.request_peer_feedback(peer_id=self.peer_id, by=by)
        return ()


class GivePeerFeedback(CaseCommand):
    step = StepRecord(
        action="give peer feedback",
        who=Who.PEER,
        stage=Stage.PREPARE,
        path="peer-feedback",
        summary="Prepare: a coworker gives the feedback asked",
        tasks=(Task.GIVE_PEER_FEEDBACK,),
        form=Form(
            "Give the feedback you were asked for",
            "Send feedback",
            (
                F("feedback.strengths.0", "A strength, with an example", "textarea"),
                F("feedback.improvements.0", "Something to improve", "textarea", required=False),
                F(
                    "anonymous",
                    "Do not show my name to the employee or the manager",
                    "checkbox",
                    required=False,
                ),
            ),
        ),
        routed=False,  # a coworker gets a receipt back, never the case
    )
    feedback: PeerFeedback
    anonymous: bool = False

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.receive_peer_feedback(feedback=self.feedback, anonymous=self.anonymous, by=by)
        return ()


# --- 2. request the meeting ----------------------------------------------------------


class RequestMeeting(CaseCommand):
    step = StepRecord(
        action="request the meeting",
        who=Who.EMPLOYEE,
        stage=Stage.REQUEST,
        path="meeting/request",
        summary="Request the career conversation",
        tasks=(Task.REQUEST_MEETING,),
        form=Form(
            "Request the career conversation",
            "Request meeting",
            (F("proposed_for", "Proposed time", "datetime"),),
        ),
        tells=(ev.MeetingRequested,),
    )
    proposed_for: AwareDatetime = Field(description="at least the policy's notice ahead")

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.request_meeting(proposed_for=self.proposed_for, by=by)
        return ()


class AcceptMeeting(CaseCommand):
    step = StepRecord(
        action="accept the meeting",
        who=Who.MANAGER,
        stage=Stage.REQUEST,
        path="meeting/accept",
        summary="The manager accepts the meeting",
        tasks=(Task.ANSWER_MEETING_REQUEST,),
        form=Form("Accept the meeting", "Accept"),
        tells=(ev.MeetingAccepted,),
    )

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.accept_meeting(by=by)
        return ()


class RescheduleMeeting(CaseCommand):
    step = StepRecord(
        action="reschedule the meeting",
        who=Who.EITHER,
        stage=Stage.REQUEST,
        path="meeting/reschedule",
        summary="Propose another time",
        tasks=(Task.ANSWER_MEETING_REQUEST, Task.HOLD_MEETING),
        form=Form(
            "Propose another time",
            "Move the meeting",
            (F("new_time", "New time", "datetime"), F("reason", "Why it moves")),
        ),
        tells=(ev.MeetingRescheduled,),
    )
    new_time: AwareDatetime
    reason: Text

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.reschedule_meeting(new_time=self.new_time, reason=self.reason, by=by)
        return ()


class DeclineMeeting(CaseCommand):
    step = StepRecord(
        action="decline the meeting",
        who=Who.MANAGER,
        stage=Stage.REQUEST,
        path="meeting/decline",
        summary="The manager declines, with a reason",
        tasks=(Task.ANSWER_MEETING_REQUEST,),
        form=Form(
            "Decline (or call off) the meeting",
            "Decline",
            (F("reason", "Reason", "textarea"),),
        ),
        tells=(ev.MeetingDeclined,),
    )
    reason: Text

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.decline_meeting(reason=self.reason, by=by)
        return ()


# --- 3. agenda, 4. the conversation ----------------------------------------------------


class ShareAgenda(Agenda, CaseCommand):
    step = StepRecord(
        action="share the agenda",
        who=Who.EITHER,
        stage=Stage.AGENDA,
        path="agenda",
        summary="Share the agenda in advance",
        tasks=(Task.SHARE_AGENDA,),
        form=Form(
            "Share the agenda",
            "Share agenda",
            (
                F(
                    "topics",
                    "Topics",
                    "topics",
                    options=tuple((t.value, t.value.replace("_", " ")) for t in AgendaTopic),
                ),
                F("notes", "Notes", "textarea", required=False),
            ),
        ),
        tells=(ev.AgendaShared,),
    )

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.share_agenda(agenda=_as(Agenda, self), by=by)
        return ()


class HoldMeeting(CaseCommand):
    step = StepRecord(
        action="record the meeting as held",
        who=Who.EITHER,
        stage=Stage.CONVERSATION,
        path="meeting/held",
        summary="Record that the conversation took place",
        tasks=(Task.HOLD_MEETING,),
        form=Form(
            "Record that the conversation took place",
            "It took place",
            (F("held_at", "When (default: now)", "datetime", required=False),),
        ),
    )
    held_at: AwareDatetime | None = Field(None, description="when it took place (default: now)")

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        case.hold_meeting(held_at=self.held_at or by.at, by=by)
        return ()


class GiveFeedback(ConversationFeedback, CaseCommand):
    step = StepRecord(
        action="give feedback",
        who=Who.EITHER,
        stage=Stage.CONVERSATION,
        path="feedback",
        summary="Give feedback (both ways)",
        tasks=(Task.GIVE_FEEDBACK,),
        form=Form(
            "Give feedback on the conversation",
            "Give feedback",
            (
                F("strengths.0.point", "A strength"),
                F("strengths.0.example", "An example", "textarea"),
                F("improvements.0.point", "Something to improve", required=False),
                F("improvements.0.example", "An example", "textarea", required=False),
            ),
        ),
    )

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

    step = StepRecord(
        action="share the recap",
        who=Who.EITHER,
        stage=Stage.CONVERSATION,
        path="recap",
        summary="Share the recap: learnings, action items, follow-up",
        tasks=(Task.SHARE_RECAP,),
        form=Form(
            "Share the recap",
            "Share recap",
            (
                F("learned", "What you learned", "textarea"),
                F("follow_up_on", "Follow up on", "date"),
                F("action_items.0.title", "Action item", required=False),
                F("action_items.0.owner_id", "Its owner", "person", required=False),
                F("action_items.0.due_at", "Due", "datetime", required=False),
            ),
        ),
        tells=(ev.RecapShared,),
    )

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

    step = StepRecord(
        action="add an action item",
        who=Who.EITHER,
        stage=Stage.CONVERSATION,
        path="action-items",
        summary="Agree one more action item",
        routed=False,  # answers the new item (201), not the case
    )

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


def may_take(case: DevelopmentCase, command: type[Command] | Command, actor: str) -> bool:
    """Whether ``actor`` is who may take the step on this case (its record's ``who``)."""
    return {
        Who.EMPLOYEE: actor == case.employee_id,
        Who.MANAGER: actor == case.manager_id,
        Who.EITHER: actor in (case.employee_id, case.manager_id),
        Who.PEER: actor in case.peer_feedback,
        Who.SERVICE: actor == SYSTEM_ACTOR,
        Who.ANYONE: True,
    }[command.who]


def require_who(case: DevelopmentCase, command: CaseCommand, actor: str) -> None:
    """Who may take the step, checked before anything about the case's state."""
    if not may_take(case, command, actor):
        raise errors.NotPermitted(actor, command.action, command.who.value)
