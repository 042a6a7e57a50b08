"""The events of a development case: what happened, and how it changes the case's state.

The classes are bound into ``DevelopmentCase`` (``domain/case.py``), where
eventsourcing gives them their stored topics (``domain.case:DevelopmentCase.<Name>``),
so events recorded before this module existed read back unchanged. An event that
moves the case to another phase says so once, in ``leads_to``; the aggregate, the
deadline engine and the read models all take the phase from there
(``domain.subscriptions.PHASE_AFTER``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from domain import values as v
from domain.base import FollowedUp
from domain.case_state import CaseNote, CaseState, CheckIn, NoteVisibility, PlanVersion
from domain.personal import PersonalText
from domain.phases import Phase, PlanStatus

CASE_TOPIC = "domain.case:DevelopmentCase"
"""Where case events were defined when the first ones were stored: their topics keep it."""


class CaseEvent(FollowedUp.Event):
    """A case event; one that declares ``leads_to`` moves the case to that phase.

    It is the case's base event class (``DevelopmentCase.Event``), so eventsourcing
    binds these classes to the aggregate as they are, without a subclass of each:
    ``DevelopmentCase.AgendaShared is AgendaShared``. Each keeps the stored topic it
    has always had (``domain.case:DevelopmentCase.<Name>``).
    """

    leads_to: ClassVar[Phase | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _DECLARED.append(cls)
        if "TOPIC" not in cls.__dict__:
            setattr(cls, "TOPIC", f"{CASE_TOPIC}.{cls.__name__}")  # noqa: B010
        for bind in _BINDERS:
            bind(cls)

    def mutate(self, aggregate: Any) -> Any:
        result = super().mutate(aggregate)
        if result is not None:
            name = type(self).__name__
            result.recorded[name] = result.recorded.get(name, 0) + 1
            if self.leads_to is not None:
                result.phase = self.leads_to
        return result


_BINDERS: list[Callable[[type[CaseEvent]], None]] = []
_DECLARED: list[type[CaseEvent]] = []


def bind_events(bind: Callable[[type[CaseEvent]], None]) -> None:
    """Bind every case event to the aggregate with ``bind``: those declared here now, and
    any declared later (a step added by a plug-in or a test) as it is declared."""
    for event in case_events():
        bind(event)
    _BINDERS.append(bind)


class CaseOpened(CaseEvent, FollowedUp.Created):
    cycle_id: UUID
    participants: v.Participants
    policy: v.Policy
    cycle_opens_at: datetime
    cycle_closes_at: datetime
    okr_planning_on: date | None
    framework_version: int | None = None
    """The career framework version the case is judged by (None: none imported then)."""

    def apply(self, case: CaseState) -> None:
        case.framework_version = self.framework_version or None
        case.cycle_id = self.cycle_id
        case.participants = self.participants
        case.policy = self.policy
        case.cycle_opens_at = self.cycle_opens_at
        case.cycle_closes_at = self.cycle_closes_at
        case.okr_planning_on = self.okr_planning_on
        case.opened_at = self.timestamp


class ManagerChanged(CaseEvent):
    participants: v.Participants
    previous_manager_id: str | None = None
    """Who managed the case before (None: only the skip-level or HR partner changed, or
    an event recorded before this was kept)."""

    def apply(self, case: CaseState) -> None:
        case.participants = self.participants


class SelfAssessmentRecorded(CaseEvent):
    assessment: v.SelfAssessment

    def apply(self, case: CaseState) -> None:
        case.self_assessment = self.assessment
        case.self_assessed_at = self.timestamp


class GoalProposed(CaseEvent):
    goal: v.SmartErGoal

    def apply(self, case: CaseState) -> None:
        case.draft_goals[self.goal.goal_id] = self.goal


class PeerFeedbackRequested(CaseEvent):
    peer_id: str

    def apply(self, case: CaseState) -> None:
        case.peer_feedback[self.peer_id] = None


class PeerFeedbackReceived(CaseEvent):
    """Version 2 added ``anonymous`` (v1 feedback was always attributed)."""

    class_version = 2
    peer_id: str
    feedback: v.PeerFeedback
    anonymous: bool

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["anonymous"] = False

    def apply(self, case: CaseState) -> None:
        case.peer_feedback[self.peer_id] = self.feedback


class MeetingRequested(CaseEvent):
    leads_to = Phase.MEETING_REQUESTED
    proposed_for: datetime

    def apply(self, case: CaseState) -> None:
        case.meeting_requests += 1
        case.meeting_requested_at = self.timestamp
        case.meeting_at = self.proposed_for
        case.meeting_answered_at = None
        case.decline_reason = None


class MeetingAccepted(CaseEvent):
    leads_to = Phase.MEETING_SCHEDULED
    late: bool

    def apply(self, case: CaseState) -> None:
        case.meeting_answered_at = self.timestamp


class MeetingRescheduled(CaseEvent):
    leads_to = Phase.MEETING_SCHEDULED
    new_time: datetime
    reason: PersonalText

    def apply(self, case: CaseState) -> None:
        if case.meeting_answered_at is None:
            case.meeting_answered_at = self.timestamp
        case.meeting_at = self.new_time


class MeetingDeclined(CaseEvent):
    leads_to = Phase.MEETING_DECLINED
    reason: PersonalText
    late: bool

    def apply(self, case: CaseState) -> None:
        case.meeting_answered_at = self.timestamp
        case.decline_reason = self.reason
        case.meeting_at = None


class AgendaShared(CaseEvent):
    agenda: v.Agenda

    def apply(self, case: CaseState) -> None:
        case.agenda = self.agenda


class MeetingHeld(CaseEvent):
    leads_to = Phase.MEETING_HELD
    held_at: datetime

    def apply(self, case: CaseState) -> None:
        case.held_at = self.held_at


class FeedbackGiven(CaseEvent):
    to_id: str
    feedback: v.ConversationFeedback

    def apply(self, case: CaseState) -> None:
        case.feedback.append((self.party, self.to_id, self.feedback))


class RecapShared(CaseEvent):
    recap: v.Recap
    sent_to: str
    action_item_ids: list[UUID]

    def apply(self, case: CaseState) -> None:
        case.recap = self.recap
        case.action_item_ids.extend(self.action_item_ids)


class ActionItemAdded(CaseEvent):
    action_item_id: UUID
    spec: v.ActionItemSpec

    def apply(self, case: CaseState) -> None:
        case.action_item_ids.append(self.action_item_id)


class PlanDrafted(CaseEvent):
    leads_to = Phase.PLAN_DRAFTED
    version: int
    plan: v.DevelopmentPlan

    def apply(self, case: CaseState) -> None:
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


class PlanSubmitted(CaseEvent):
    leads_to = Phase.PLAN_SUBMITTED
    version: int
    late: bool

    def apply(self, case: CaseState) -> None:
        case.update_plan(
            self.version,
            status=PlanStatus.SUBMITTED,
            submitted_at=self.timestamp,
            late=self.late,
        )


class PlanChangesRequested(CaseEvent):
    leads_to = Phase.CHANGES_REQUESTED
    version: int
    comments: PersonalText

    def apply(self, case: CaseState) -> None:
        plan = case.plan_version(self.version)
        case.update_plan(
            self.version,
            status=PlanStatus.CHANGES_REQUESTED,
            comments=(*plan.comments, self.comments),
        )


class PlanApproved(CaseEvent):
    leads_to = Phase.PLAN_APPROVED
    version: int
    late: bool

    def apply(self, case: CaseState) -> None:
        """Approving a proposed readjustment supersedes the version it readjusts."""
        if case.approved_version is not None and case.approved_version != self.version:
            case.update_plan(case.approved_version, status=PlanStatus.SUPERSEDED)
        case.update_plan(self.version, status=PlanStatus.APPROVED, approved_at=self.timestamp)
        case.approved_version = self.version


class CheckInDue(CaseEvent):
    number: int
    due_at: datetime

    def apply(self, case: CaseState) -> None:
        case.check_ins[self.number] = CheckIn(number=self.number, due_at=self.due_at)


class CheckInHeld(CaseEvent):
    number: int | None
    notes: PersonalText
    progress: list[v.GoalProgress]

    def apply(self, case: CaseState) -> None:
        """A due check-in is held; an ad-hoc one (none due) becomes the next number."""
        if self.number is not None and self.number in case.check_ins:
            case.update_check_in(self.number, held_at=self.timestamp)
        elif self.number is not None:
            case.check_ins[self.number] = CheckIn(
                number=self.number, due_at=self.timestamp, held_at=self.timestamp
            )
        case.check_ins_held += 1
        for entry in self.progress:
            case.goal_progress[entry.goal_id] = entry.percent


class CheckInMissed(CaseEvent):
    number: int

    def apply(self, case: CaseState) -> None:
        case.update_check_in(self.number, missed=True)


class GoalProgressRecorded(CaseEvent):
    progress: v.GoalProgress

    def apply(self, case: CaseState) -> None:
        case.goal_progress[self.progress.goal_id] = self.progress.percent


class GoalReadjusted(CaseEvent):
    goal: v.SmartErGoal
    reason: PersonalText
    from_version: int
    version: int

    def apply(self, case: CaseState) -> None:
        case.update_plan(self.from_version, status=PlanStatus.SUPERSEDED)
        _add_readjusted(case, self, status=PlanStatus.APPROVED, approved_at=self.timestamp)
        case.approved_version = self.version


class ReadjustmentProposed(CaseEvent):
    """The employee proposes to readjust a goal: a new version, submitted for approval.

    The approved version stays in force (and unchanged) until the manager approves.
    """

    leads_to = Phase.PLAN_SUBMITTED
    goal: v.SmartErGoal
    reason: PersonalText
    from_version: int
    version: int

    def apply(self, case: CaseState) -> None:
        _add_readjusted(case, self, status=PlanStatus.SUBMITTED, submitted_at=self.timestamp)


def _add_readjusted(
    case: CaseState, event: GoalReadjusted | ReadjustmentProposed, **record: Any
) -> None:
    """The version a readjustment makes: the one it starts from, with the goal replaced."""
    previous = case.plan_version(event.from_version)
    case.plans.append(
        PlanVersion(
            version=event.version,
            plan=previous.plan.with_goal(event.goal),
            drafted_at=event.timestamp,
            readjusted_from=event.from_version,
            **record,
        )
    )


class CaseClosed(CaseEvent):
    leads_to = Phase.CLOSED
    outcome: str
    phase_at_close: str
    unfinished: list[str]

    def apply(self, case: CaseState) -> None:
        case.outcome = v.CaseOutcome(self.outcome)
        case.closed_at = self.timestamp


class NoteAdded(CaseEvent):
    """A party's note on the case; its text never leaves the case but to its readers."""

    note_id: UUID
    visibility: str
    text: PersonalText

    def apply(self, case: CaseState) -> None:
        case.notes.append(
            CaseNote(
                note_id=self.note_id,
                author_id=self.party,
                visibility=NoteVisibility(self.visibility),
                text=self.text,
                written_at=self.timestamp,
            )
        )


class PersonalDataErased(CaseEvent):
    """The employee's personal data was erased: every text of the case reads as erased."""

    def apply(self, case: CaseState) -> None:
        case.scrub()


def case_events() -> list[type[CaseEvent]]:
    """Every event a case records that the domain declares (here and in the case's other
    step modules; not the inherited follow-up ones, nor a test's plug-in steps)."""
    return [event for event in _DECLARED if event.__module__.startswith("domain.")]
