"""DevelopmentCase: one employee's way through one cycle.

The case holds the rules of the process (DESIGN.md §1): the order of the steps,
the meeting notice, who may do what, plan versions and lateness. Lateness is
recorded, never refused: a late plan or approval is accepted and marked late.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from pydantic import TypeAdapter

from domain import errors
from domain.base import (
    FollowedUp,
    command,
    escalation_recipient,
    require_aware,
    require_system,
)
from domain.values import (
    ActionItemSpec,
    Agenda,
    CaseOutcome,
    ConversationFeedback,
    DevelopmentPlan,
    GoalProgress,
    Participants,
    Party,
    PeerFeedback,
    Policy,
    Recap,
    Rung,
    SelfAssessment,
    SmartErGoal,
)


def case_id_for(cycle_id: UUID, employee_id: str) -> UUID:
    """A case's id is derived, so opening the same case twice names the same aggregate."""
    return uuid5(cycle_id, employee_id)


class Phase(StrEnum):
    PREPARING = "preparing"
    MEETING_REQUESTED = "meeting_requested"
    MEETING_DECLINED = "meeting_declined"
    MEETING_SCHEDULED = "meeting_scheduled"
    MEETING_HELD = "meeting_held"
    PLAN_DRAFTED = "plan_drafted"
    PLAN_SUBMITTED = "plan_submitted"
    CHANGES_REQUESTED = "changes_requested"
    PLAN_APPROVED = "plan_approved"
    CLOSED = "closed"


BEFORE_MEETING = frozenset(
    {Phase.PREPARING, Phase.MEETING_REQUESTED, Phase.MEETING_DECLINED, Phase.MEETING_SCHEDULED}
)
"""Phases in which preparation is still open."""


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class PlanVersion:
    """One version of the plan, immutable; a change of status replaces the record."""

    version: int
    plan: DevelopmentPlan
    status: PlanStatus
    drafted_at: datetime
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    late: bool = False
    readjusted_from: int | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckIn:
    number: int
    due_at: datetime
    held_at: datetime | None = None
    missed: bool = False


class DevelopmentCase(FollowedUp):
    # --- events ---------------------------------------------------------------

    class CaseOpened(FollowedUp.Created):
        cycle_id: UUID
        participants: Participants
        policy: Policy
        cycle_opens_at: datetime
        cycle_closes_at: datetime
        okr_planning_on: date | None

        def apply(self, case: DevelopmentCase) -> None:
            case.cycle_id = self.cycle_id
            case.participants = self.participants
            case.policy = self.policy
            case.cycle_opens_at = self.cycle_opens_at
            case.cycle_closes_at = self.cycle_closes_at
            case.okr_planning_on = self.okr_planning_on
            case.opened_at = self.timestamp

    class ManagerChanged(FollowedUp.Event):
        participants: Participants

        def apply(self, case: DevelopmentCase) -> None:
            case.participants = self.participants

    class SelfAssessmentRecorded(FollowedUp.Event):
        assessment: SelfAssessment

        def apply(self, case: DevelopmentCase) -> None:
            case.self_assessment = self.assessment
            case.self_assessed_at = self.timestamp

    class GoalProposed(FollowedUp.Event):
        goal: SmartErGoal

        def apply(self, case: DevelopmentCase) -> None:
            case.draft_goals[self.goal.goal_id] = self.goal

    class PeerFeedbackRequested(FollowedUp.Event):
        peer_id: str

        def apply(self, case: DevelopmentCase) -> None:
            case.peer_feedback[self.peer_id] = None

    class PeerFeedbackReceived(FollowedUp.Event):
        """Version 2 added ``anonymous`` (v1 feedback was always attributed)."""

        class_version = 2
        peer_id: str
        feedback: PeerFeedback
        anonymous: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["anonymous"] = False

        def apply(self, case: DevelopmentCase) -> None:
            case.peer_feedback[self.peer_id] = self.feedback

    class MeetingRequested(FollowedUp.Event):
        proposed_for: datetime

        def apply(self, case: DevelopmentCase) -> None:
            case.phase = Phase.MEETING_REQUESTED
            case.meeting_requests += 1
            case.meeting_requested_at = self.timestamp
            case.meeting_at = self.proposed_for
            case.meeting_answered_at = None
            case.decline_reason = None

    class MeetingAccepted(FollowedUp.Event):
        late: bool

        def apply(self, case: DevelopmentCase) -> None:
            case.phase = Phase.MEETING_SCHEDULED
            case.meeting_answered_at = self.timestamp

    class MeetingRescheduled(FollowedUp.Event):
        new_time: datetime
        reason: str

        def apply(self, case: DevelopmentCase) -> None:
            if case.meeting_answered_at is None:
                case.meeting_answered_at = self.timestamp
            case.phase = Phase.MEETING_SCHEDULED
            case.meeting_at = self.new_time

    class MeetingDeclined(FollowedUp.Event):
        reason: str
        late: bool

        def apply(self, case: DevelopmentCase) -> None:
            case.phase = Phase.MEETING_DECLINED
            case.meeting_answered_at = self.timestamp
            case.decline_reason = self.reason
            case.meeting_at = None

    class AgendaShared(FollowedUp.Event):
        agenda: Agenda

        def apply(self, case: DevelopmentCase) -> None:
            case.agenda = self.agenda

    class MeetingHeld(FollowedUp.Event):
        held_at: datetime

        def apply(self, case: DevelopmentCase) -> None:
            case.phase = Phase.MEETING_HELD
            case.held_at = self.held_at

    class FeedbackGiven(FollowedUp.Event):
        to_id: str
        feedback: ConversationFeedback

        def apply(self, case: DevelopmentCase) -> None:
            case.feedback.append((self.actor, self.to_id, self.feedback))

    class RecapShared(FollowedUp.Event):
        recap: Recap
        sent_to: str
        action_item_ids: list[UUID]

        def apply(self, case: DevelopmentCase) -> None:
            case.recap = self.recap
            case.action_item_ids.extend(self.action_item_ids)

    class ActionItemAdded(FollowedUp.Event):
        action_item_id: UUID
        spec: ActionItemSpec

        def apply(self, case: DevelopmentCase) -> None:
            case.action_item_ids.append(self.action_item_id)

    class PlanDrafted(FollowedUp.Event):
        version: int
        plan: DevelopmentPlan

        def apply(self, case: DevelopmentCase) -> None:
            current = case.current_plan
            if current is not None and current.status is PlanStatus.DRAFT:
                case.update_plan(current.version, plan=self.plan, drafted_at=self.timestamp)
            else:
                case.plans.append(
                    PlanVersion(
                        version=self.version,
                        plan=self.plan,
                        status=PlanStatus.DRAFT,
                        drafted_at=self.timestamp,
                    )
                )
            case.phase = Phase.PLAN_DRAFTED

    class PlanSubmitted(FollowedUp.Event):
        version: int
        late: bool

        def apply(self, case: DevelopmentCase) -> None:
            case.update_plan(
                self.version,
                status=PlanStatus.SUBMITTED,
                submitted_at=self.timestamp,
                late=self.late,
            )
            case.phase = Phase.PLAN_SUBMITTED

    class PlanChangesRequested(FollowedUp.Event):
        version: int
        comments: str

        def apply(self, case: DevelopmentCase) -> None:
            plan = case.plan_version(self.version)
            case.update_plan(
                self.version,
                status=PlanStatus.CHANGES_REQUESTED,
                comments=(*plan.comments, self.comments),
            )
            case.phase = Phase.CHANGES_REQUESTED

    class PlanApproved(FollowedUp.Event):
        version: int
        late: bool

        def apply(self, case: DevelopmentCase) -> None:
            case.update_plan(self.version, status=PlanStatus.APPROVED, approved_at=self.timestamp)
            case.approved_version = self.version
            case.phase = Phase.PLAN_APPROVED

    class CheckInDue(FollowedUp.Event):
        number: int
        due_at: datetime

        def apply(self, case: DevelopmentCase) -> None:
            case.check_ins[self.number] = CheckIn(number=self.number, due_at=self.due_at)

    class CheckInHeld(FollowedUp.Event):
        number: int | None
        notes: str
        progress: list[GoalProgress]

        def apply(self, case: DevelopmentCase) -> None:
            if self.number is not None:
                case.update_check_in(self.number, held_at=self.timestamp)
            case.check_ins_held += 1
            for entry in self.progress:
                case.goal_progress[entry.goal_id] = entry.percent

    class CheckInMissed(FollowedUp.Event):
        number: int

        def apply(self, case: DevelopmentCase) -> None:
            case.update_check_in(self.number, missed=True)

    class GoalProgressRecorded(FollowedUp.Event):
        progress: GoalProgress

        def apply(self, case: DevelopmentCase) -> None:
            case.goal_progress[self.progress.goal_id] = self.progress.percent

    class GoalReadjusted(FollowedUp.Event):
        goal: SmartErGoal
        reason: str
        from_version: int
        version: int

        def apply(self, case: DevelopmentCase) -> None:
            previous = case.plan_version(self.from_version)
            case.update_plan(self.from_version, status=PlanStatus.SUPERSEDED)
            case.plans.append(
                PlanVersion(
                    version=self.version,
                    plan=previous.plan.with_goal(self.goal),
                    status=PlanStatus.APPROVED,
                    drafted_at=self.timestamp,
                    approved_at=self.timestamp,
                    readjusted_from=self.from_version,
                )
            )
            case.approved_version = self.version

    class CaseClosed(FollowedUp.Event):
        outcome: str
        phase_at_close: str
        unfinished: list[str]

        def apply(self, case: DevelopmentCase) -> None:
            case.phase = Phase.CLOSED
            case.outcome = CaseOutcome(self.outcome)
            case.closed_at = self.timestamp

    # --- state ------------------------------------------------------------------

    def __init__(self) -> None:
        super().__init__()
        self.cycle_id: UUID
        self.participants: Participants
        self.policy: Policy
        self.cycle_opens_at: datetime
        self.cycle_closes_at: datetime
        self.okr_planning_on: date | None = None
        self.opened_at: datetime
        self.phase = Phase.PREPARING
        self.self_assessment: SelfAssessment | None = None
        self.self_assessed_at: datetime | None = None
        self.draft_goals: dict[str, SmartErGoal] = {}
        self.peer_feedback: dict[str, PeerFeedback | None] = {}
        self.meeting_requests = 0
        self.meeting_requested_at: datetime | None = None
        self.meeting_at: datetime | None = None
        self.meeting_answered_at: datetime | None = None
        self.decline_reason: str | None = None
        self.agenda: Agenda | None = None
        self.held_at: datetime | None = None
        self.feedback: list[tuple[str, str, ConversationFeedback]] = []
        self.recap: Recap | None = None
        self.action_item_ids: list[UUID] = []
        self.plans: list[PlanVersion] = []
        self.approved_version: int | None = None
        self.check_ins: dict[int, CheckIn] = {}
        self.check_ins_held = 0
        self.goal_progress: dict[str, int] = {}
        self.outcome: CaseOutcome | None = None
        self.closed_at: datetime | None = None

    @classmethod
    def open(
        cls,
        *,
        cycle_id: UUID,
        participants: Participants,
        policy: Policy,
        cycle_opens_at: datetime,
        cycle_closes_at: datetime,
        okr_planning_on: date | None,
        actor: str,
        at: datetime,
    ) -> DevelopmentCase:
        require_aware(at)
        return cls._create(
            cls.CaseOpened,
            id=case_id_for(cycle_id, participants.employee_id),
            cycle_id=cycle_id,
            participants=participants,
            policy=policy,
            cycle_opens_at=cycle_opens_at,
            cycle_closes_at=cycle_closes_at,
            okr_planning_on=okr_planning_on,
            actor=actor,
            timestamp=at,
            idempotency_key=None,
        )

    # --- derived state -------------------------------------------------------

    @property
    def employee_id(self) -> str:
        return self.participants.employee_id

    @property
    def manager_id(self) -> str:
        return self.participants.manager_id

    @property
    def current_plan(self) -> PlanVersion | None:
        return self.plans[-1] if self.plans else None

    @property
    def approved_plan(self) -> PlanVersion | None:
        if self.approved_version is None:
            return None
        return self.plan_version(self.approved_version)

    def plan_version(self, version: int) -> PlanVersion:
        return self.plans[version - 1]

    def update_plan(self, version: int, **changes: Any) -> None:
        """Replace a version's record (only event ``apply`` methods call this)."""
        self.plans[version - 1] = replace(self.plans[version - 1], **changes)

    def update_check_in(self, number: int, **changes: Any) -> None:
        self.check_ins[number] = replace(self.check_ins[number], **changes)

    @property
    def plan_due_at(self) -> datetime | None:
        return None if self.held_at is None else self.held_at + self.policy.plan_due

    @property
    def open_check_in(self) -> CheckIn | None:
        """The earliest due check-in that was neither held nor missed."""
        pending = [c for c in self.check_ins.values() if c.held_at is None and not c.missed]
        return min(pending, key=lambda c: c.number) if pending else None

    @property
    def is_closed(self) -> bool:
        return self.phase is Phase.CLOSED

    # --- guards -----------------------------------------------------------------

    def _live(self) -> None:
        if self.is_closed:
            raise errors.CaseClosed("the case is closed and accepts nothing", current=self.phase)

    def _as_employee(self, actor: str, action: str) -> None:
        if actor != self.employee_id:
            raise errors.NotPermitted(actor, action, "the employee")

    def _as_manager(self, actor: str, action: str) -> None:
        if actor != self.manager_id:
            raise errors.NotPermitted(actor, action, "the employee's manager")

    def _as_party(self, actor: str, action: str) -> None:
        if actor not in (self.employee_id, self.manager_id):
            raise errors.NotPermitted(actor, action, "the employee or their manager")

    def _preparing(self, action: str) -> None:
        if self.phase not in BEFORE_MEETING:
            raise errors.PreparationClosed(
                f"cannot {action}: the meeting was already held", current=self.phase
            )

    def _held(
        self, action: str, error: type[errors.StepOutOfOrder] = errors.MeetingNotHeld
    ) -> None:
        if self.held_at is None:
            raise error(f"cannot {action} before the meeting is held", current=self.phase)

    def _approved(
        self, action: str, error: type[errors.StepOutOfOrder] = errors.PlanNotApproved
    ) -> PlanVersion:
        plan = self.approved_plan
        if plan is None:
            raise error(f"cannot {action} before the plan is approved", current=self.phase)
        return plan

    def _inside_cycle(self, field_name: str, day: date) -> None:
        if not self.cycle_opens_at.date() <= day <= self.cycle_closes_at.date():
            raise errors.OutsideCycle(
                field_name,
                f"{day.isoformat()} is outside the cycle "
                f"({self.cycle_opens_at.date()} to {self.cycle_closes_at.date()})",
            )

    def _goal_inside_cycle(self, goal: SmartErGoal, field_name: str = "goal.due_on") -> None:
        self._inside_cycle(field_name, goal.due_on)

    def check_action_item(self, spec: ActionItemSpec, field_name: str = "due_at") -> None:
        """An agreed action item is due after the meeting and inside the cycle."""
        require_aware(spec.due_at, field_name)
        assert self.held_at is not None
        if spec.due_at <= self.held_at:
            raise errors.InvalidCommand(field_name, "must be after the meeting was held")
        if spec.due_at > self.cycle_closes_at:
            raise errors.OutsideCycle(field_name, "must be due before the cycle closes")

    # --- people -----------------------------------------------------------------

    @command("ManagerChanged")
    def change_manager(
        self,
        *,
        participants: Participants,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """The roster changed: future approvals and escalations go to the new people."""
        self._live()
        if participants.employee_id != self.employee_id:
            raise errors.InvalidCommand("employee_id", "belongs to another case")
        if participants == self.participants:
            return
        self._emit(
            self.ManagerChanged, actor=actor, at=at, key=idempotency_key, participants=participants
        )

    # --- 1. prepare -------------------------------------------------------------

    @command("SelfAssessmentRecorded")
    def record_self_assessment(
        self,
        *,
        assessment: SelfAssessment,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self._live()
        self._as_employee(actor, "record the self-assessment")
        self._preparing("record a self-assessment")
        self._emit(
            self.SelfAssessmentRecorded,
            actor=actor,
            at=at,
            key=idempotency_key,
            assessment=assessment,
        )

    @command("GoalProposed")
    def propose_goal(
        self, *, goal: SmartErGoal, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> None:
        self._live()
        self._as_employee(actor, "propose a goal")
        self._preparing("propose a draft goal")
        self._goal_inside_cycle(goal)
        self._emit(self.GoalProposed, actor=actor, at=at, key=idempotency_key, goal=goal)

    @command("PeerFeedbackRequested")
    def request_peer_feedback(
        self, *, peer_id: str, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> None:
        self._live()
        self._as_employee(actor, "request peer feedback")
        self._preparing("request peer feedback")
        if peer_id in (self.employee_id, ""):
            raise errors.InvalidCommand("peer_id", "must name a coworker, not the employee")
        if peer_id in self.peer_feedback:
            raise errors.InvalidCommand("peer_id", f"feedback was already requested from {peer_id}")
        self._emit(
            self.PeerFeedbackRequested, actor=actor, at=at, key=idempotency_key, peer_id=peer_id
        )

    @command("PeerFeedbackReceived")
    def receive_peer_feedback(
        self,
        *,
        feedback: PeerFeedback,
        anonymous: bool = False,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self._live()
        if actor not in self.peer_feedback:
            raise errors.PeerFeedbackNotRequested(
                f"no feedback was requested from {actor!r}", current=self.phase
            )
        if self.peer_feedback[actor] is not None:
            raise errors.InvalidCommand("feedback", f"{actor} already gave feedback")
        self._emit(
            self.PeerFeedbackReceived,
            actor=actor,
            at=at,
            key=idempotency_key,
            peer_id=actor,
            feedback=feedback,
            anonymous=anonymous,
        )

    # --- 2. request the meeting -------------------------------------------------

    @command("MeetingRequested")
    def request_meeting(
        self,
        *,
        proposed_for: datetime,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self._live()
        self._as_employee(actor, "request the career conversation")
        if self.phase not in (Phase.PREPARING, Phase.MEETING_DECLINED):
            raise errors.MeetingAlreadyRequested(
                "the meeting was already requested", current=self.phase
            )
        require_aware(proposed_for, "proposed_for")
        notice = proposed_for - at
        if notice < self.policy.meeting_notice:
            raise errors.NoticeTooShort(
                "proposed_for",
                f"needs at least {_iso(self.policy.meeting_notice)} notice, "
                f"got {_iso(max(notice, timedelta(0)))}",
            )
        if proposed_for > self.cycle_closes_at:
            raise errors.OutsideCycle("proposed_for", "must be before the cycle closes")
        self._emit(
            self.MeetingRequested,
            actor=actor,
            at=at,
            key=idempotency_key,
            proposed_for=proposed_for,
        )

    def _meeting_answer_late(self, at: datetime) -> bool:
        assert self.meeting_requested_at is not None
        return at > self.meeting_requested_at + self.policy.meeting_response

    @command("MeetingAccepted")
    def accept_meeting(
        self, *, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> None:
        self._live()
        self._as_manager(actor, "accept the meeting")
        if self.phase is not Phase.MEETING_REQUESTED:
            raise errors.MeetingNotPending("no meeting request is pending", current=self.phase)
        self._emit(
            self.MeetingAccepted,
            actor=actor,
            at=at,
            key=idempotency_key,
            late=self._meeting_answer_late(at),
        )

    @command("MeetingRescheduled")
    def reschedule_meeting(
        self,
        *,
        new_time: datetime,
        reason: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """The manager proposes another time for a request, or either party moves it."""
        self._live()
        if self.phase is Phase.MEETING_REQUESTED:
            self._as_manager(actor, "propose another time for the meeting request")
        elif self.phase is Phase.MEETING_SCHEDULED:
            self._as_party(actor, "reschedule the meeting")
        else:
            raise errors.MeetingNotScheduled(
                "there is no requested or scheduled meeting to move", current=self.phase
            )
        require_aware(new_time, "new_time")
        if not reason.strip():
            raise errors.InvalidCommand("reason", "say why the meeting moves")
        if new_time <= at:
            raise errors.InvalidCommand("new_time", "must be in the future")
        if new_time > self.cycle_closes_at:
            raise errors.OutsideCycle("new_time", "must be before the cycle closes")
        self._emit(
            self.MeetingRescheduled,
            actor=actor,
            at=at,
            key=idempotency_key,
            new_time=new_time,
            reason=reason.strip(),
        )

    @command("MeetingDeclined")
    def decline_meeting(
        self, *, reason: str, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> None:
        self._live()
        self._as_manager(actor, "decline the meeting")
        if self.phase is not Phase.MEETING_REQUESTED:
            raise errors.MeetingNotPending("no meeting request is pending", current=self.phase)
        if not reason.strip():
            raise errors.InvalidCommand("reason", "a declined meeting needs a reason")
        self._emit(
            self.MeetingDeclined,
            actor=actor,
            at=at,
            key=idempotency_key,
            reason=reason.strip(),
            late=self._meeting_answer_late(at),
        )

    # --- 3. share the agenda ----------------------------------------------------

    @command("AgendaShared")
    def share_agenda(
        self, *, agenda: Agenda, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> None:
        self._live()
        self._as_party(actor, "share the agenda")
        if self.held_at is not None:
            raise errors.AgendaAfterMeeting(
                "the agenda is shared before the meeting, which was already held",
                current=self.phase,
            )
        if self.phase not in (Phase.MEETING_REQUESTED, Phase.MEETING_SCHEDULED):
            raise errors.MeetingNotRequested(
                "request the meeting before sharing its agenda", current=self.phase
            )
        self._emit(self.AgendaShared, actor=actor, at=at, key=idempotency_key, agenda=agenda)

    # --- 4. hold the conversation -------------------------------------------------

    @command("MeetingHeld")
    def hold_meeting(
        self,
        *,
        held_at: datetime,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self._live()
        self._as_party(actor, "record the meeting as held")
        if self.phase is not Phase.MEETING_SCHEDULED:
            raise errors.MeetingNotScheduled(
                "only an accepted meeting can be held", current=self.phase
            )
        require_aware(held_at, "held_at")
        if held_at > at:
            raise errors.InvalidCommand("held_at", "cannot be in the future")
        assert self.meeting_requested_at is not None
        if held_at < self.meeting_requested_at:
            raise errors.InvalidCommand("held_at", "cannot be before the meeting was requested")
        self._emit(self.MeetingHeld, actor=actor, at=at, key=idempotency_key, held_at=held_at)

    def _other_party(self, actor: str) -> str:
        return self.manager_id if actor == self.employee_id else self.employee_id

    @command("FeedbackGiven")
    def give_feedback(
        self,
        *,
        feedback: ConversationFeedback,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self._live()
        self._as_party(actor, "give feedback in the conversation")
        self._held("give conversation feedback")
        self._emit(
            self.FeedbackGiven,
            actor=actor,
            at=at,
            key=idempotency_key,
            to_id=self._other_party(actor),
            feedback=feedback,
        )

    @command("RecapShared")
    def share_recap(
        self,
        *,
        recap: Recap,
        action_item_ids: list[UUID],
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """Close the meeting with a recap; the application creates one ActionItem per entry."""
        self._live()
        self._as_party(actor, "share the recap")
        self._held("share the recap")
        if self.recap is not None:
            raise errors.RecapAlreadyShared("the recap was already shared", current=self.phase)
        if len(action_item_ids) != len(recap.action_items):
            raise errors.InvalidCommand("action_item_ids", "one id per action item")
        for i, spec in enumerate(recap.action_items):
            self.check_action_item(spec, f"action_items[{i}].due_at")
        assert self.held_at is not None
        if recap.follow_up_on < self.held_at.date():
            raise errors.InvalidCommand("follow_up_on", "must be after the meeting")
        self._inside_cycle("follow_up_on", recap.follow_up_on)
        self._emit(
            self.RecapShared,
            actor=actor,
            at=at,
            key=idempotency_key,
            recap=recap,
            sent_to=self._other_party(actor),
            action_item_ids=list(action_item_ids),
        )

    @command("ActionItemAdded")
    def add_action_item(
        self,
        *,
        spec: ActionItemSpec,
        action_item_id: UUID,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """An action item agreed after the recap (in a check-in, say)."""
        self._live()
        self._as_party(actor, "agree an action item")
        self._held("agree an action item")
        self.check_action_item(spec)
        self._emit(
            self.ActionItemAdded,
            actor=actor,
            at=at,
            key=idempotency_key,
            action_item_id=action_item_id,
            spec=spec,
        )

    # --- 5. draft the plan ----------------------------------------------------------

    @command("PlanDrafted")
    def draft_plan(
        self, *, plan: DevelopmentPlan, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> None:
        """A draft is edited in place until submitted; after a review it is a new version."""
        self._live()
        self._as_employee(actor, "draft the development plan")
        self._held("draft the plan", errors.PlanBeforeMeeting)
        if self.phase not in (Phase.MEETING_HELD, Phase.PLAN_DRAFTED, Phase.CHANGES_REQUESTED):
            raise errors.PlanNotEditable(
                "the plan can only be drafted after the meeting or when changes were requested",
                current=self.phase,
            )
        for i, goal in enumerate(plan.goals):
            self._goal_inside_cycle(goal, f"plan.goals[{i}].due_on")
        current = self.current_plan
        editing = current is not None and current.status is PlanStatus.DRAFT
        version = current.version if editing and current else len(self.plans) + 1
        self._emit(
            self.PlanDrafted, actor=actor, at=at, key=idempotency_key, version=version, plan=plan
        )

    # --- 6. approve ---------------------------------------------------------------------

    @command("PlanSubmitted")
    def submit_plan(self, *, actor: str, at: datetime, idempotency_key: str | None = None) -> None:
        self._live()
        self._as_employee(actor, "submit the plan")
        current = self.current_plan
        if current is None or current.status is not PlanStatus.DRAFT:
            raise errors.NoDraftPlan("there is no draft plan to submit", current=self.phase)
        due = self.plan_due_at
        assert due is not None
        self._emit(
            self.PlanSubmitted,
            actor=actor,
            at=at,
            key=idempotency_key,
            version=current.version,
            late=at > due,
        )

    def _submitted(self, action: str) -> PlanVersion:
        current = self.current_plan
        if current is None or current.status is not PlanStatus.SUBMITTED:
            raise errors.PlanNotSubmitted(
                f"cannot {action}: no plan is waiting for approval", current=self.phase
            )
        return current

    @command("PlanChangesRequested")
    def request_plan_changes(
        self, *, comments: str, actor: str, at: datetime, idempotency_key: str | None = None
    ) -> None:
        self._live()
        self._as_manager(actor, "request changes to the plan")
        plan = self._submitted("request changes")
        if not comments.strip():
            raise errors.InvalidCommand("comments", "say what should change")
        self._emit(
            self.PlanChangesRequested,
            actor=actor,
            at=at,
            key=idempotency_key,
            version=plan.version,
            comments=comments.strip(),
        )

    @command("PlanApproved")
    def approve_plan(self, *, actor: str, at: datetime, idempotency_key: str | None = None) -> None:
        self._live()
        self._as_manager(actor, "approve the plan")
        plan = self._submitted("approve the plan")
        assert plan.submitted_at is not None
        self._emit(
            self.PlanApproved,
            actor=actor,
            at=at,
            key=idempotency_key,
            version=plan.version,
            late=at > plan.submitted_at + self.policy.approval_sla,
        )

    # --- 7. check in ---------------------------------------------------------------------

    def mark_check_in_due(self, *, number: int, due_at: datetime, actor: str, at: datetime) -> bool:
        """Timer step; idempotent by number. Returns False when nothing was recorded."""
        require_system(actor, "mark a check-in due")
        if self.is_closed or number in self.check_ins:
            return False
        self._approved("open a check-in", errors.CheckInBeforeApproval)
        expected = max(self.check_ins, default=0) + 1
        if number != expected:
            raise errors.InvalidCommand("number", f"the next check-in is number {expected}")
        require_aware(due_at, "due_at")
        self._emit(self.CheckInDue, actor=actor, at=at, number=number, due_at=due_at)
        return True

    @command("CheckInHeld")
    def hold_check_in(
        self,
        *,
        notes: str,
        progress: list[GoalProgress],
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self._live()
        self._as_party(actor, "hold a check-in")
        plan = self._approved("hold a check-in", errors.CheckInBeforeApproval)
        for i, entry in enumerate(progress):
            if plan.plan.goal(entry.goal_id) is None:
                raise errors.UnknownGoal(
                    f"progress[{i}].goal_id", f"{entry.goal_id!r} is not in the approved plan"
                )
        due = self.open_check_in
        self._emit(
            self.CheckInHeld,
            actor=actor,
            at=at,
            key=idempotency_key,
            number=None if due is None else due.number,
            notes=notes,
            progress=list(progress),
        )

    def mark_check_in_missed(self, *, number: int, actor: str, at: datetime) -> bool:
        """Timer step at the end of the grace period; idempotent by number."""
        require_system(actor, "mark a check-in missed")
        check_in = self.check_ins.get(number)
        if self.is_closed or check_in is None or check_in.held_at or check_in.missed:
            return False
        if at < check_in.due_at + self.policy.checkin_grace:
            raise errors.InvalidCommand("at", "the check-in's grace period has not ended")
        self._emit(self.CheckInMissed, actor=actor, at=at, number=number)
        return True

    @command("GoalProgressRecorded")
    def record_goal_progress(
        self,
        *,
        progress: GoalProgress,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        self._live()
        self._as_party(actor, "record goal progress")
        plan = self._approved("record goal progress")
        if plan.plan.goal(progress.goal_id) is None:
            raise errors.UnknownGoal("goal_id", f"{progress.goal_id!r} is not in the approved plan")
        self._emit(
            self.GoalProgressRecorded, actor=actor, at=at, key=idempotency_key, progress=progress
        )

    @command("GoalReadjusted")
    def readjust_goal(
        self,
        *,
        goal: SmartErGoal,
        reason: str,
        actor: str,
        at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """The R of SMART+ER: a new approved plan version; the old one stays as it was."""
        self._live()
        self._as_party(actor, "readjust a goal")
        plan = self._approved("readjust a goal")
        if plan.plan.goal(goal.goal_id) is None:
            raise errors.UnknownGoal("goal.goal_id", f"{goal.goal_id!r} is not in the plan")
        if not reason.strip():
            raise errors.InvalidCommand("reason", "say why the goal is readjusted")
        self._goal_inside_cycle(goal)
        self._emit(
            self.GoalReadjusted,
            actor=actor,
            at=at,
            key=idempotency_key,
            goal=goal,
            reason=reason.strip(),
            from_version=plan.version,
            version=len(self.plans) + 1,
        )

    # --- deadlines: reminders and escalations ---------------------------------------

    def _party_id(self, owner: Party) -> str:
        return self.employee_id if Party(owner) is Party.EMPLOYEE else self.manager_id

    def record_reminder(
        self, *, deadline: str, owner: Party, reason: str, actor: str, at: datetime
    ) -> bool:
        """Timer step: remind the deadline's owner; once per deadline."""
        if self.is_closed:
            return False
        return self._record_reminder(
            deadline=deadline,
            recipient_id=self._party_id(owner),
            reason=reason,
            actor=actor,
            at=at,
        )

    def escalate(self, *, deadline: str, rung: Rung, reason: str, actor: str, at: datetime) -> bool:
        """Timer step: escalate to the rung's person from the current roster; once per rung."""
        if self.is_closed:
            return False
        recipient = escalation_recipient(self.participants, rung)
        if recipient is None:
            raise errors.NoEscalationTarget("rung", f"{self.employee_id} has no {rung.name}")
        return self._record_escalation(
            deadline=deadline, rung=rung, recipient_id=recipient, reason=reason, actor=actor, at=at
        )

    # --- 8. close -------------------------------------------------------------------------

    def unfinished(self) -> list[str]:
        """What a closed case leaves undone (kept visible in reports)."""
        missing = []
        if self.self_assessment is None:
            missing.append("self_assessment")
        if self.held_at is None:
            missing.append("meeting")
        if self.recap is None:
            missing.append("recap")
        if self.approved_version is None:
            missing.append("approved_plan")
        missing.extend(f"check_in:{c.number}" for c in self.check_ins.values() if not c.held_at)
        return missing

    def close(
        self,
        *,
        actor: str,
        at: datetime,
        outcome: CaseOutcome | None = None,
    ) -> bool:
        """Close with an outcome (derived when not given); closing twice records nothing."""
        if self.is_closed:
            return False
        require_aware(at)
        if outcome is None:
            outcome = (
                CaseOutcome.PLAN_APPROVED
                if self.approved_version is not None
                else CaseOutcome.INCOMPLETE
            )
        self._emit(
            self.CaseClosed,
            actor=actor,
            at=at,
            outcome=outcome.value,
            phase_at_close=self.phase.value,
            unfinished=self.unfinished(),
        )
        return True


_DURATION = TypeAdapter(timedelta)


def _iso(delta: timedelta) -> str:
    """Render a duration the way policies are written (ISO-8601)."""
    rendered: str = _DURATION.dump_python(delta, mode="json")
    return rendered
