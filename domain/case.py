"""DevelopmentCase: one employee's way through one cycle.

The case holds the rules of the process (DESIGN.md §1): the order of the steps,
the meeting notice, who may do what, plan versions and lateness. Lateness is
recorded, never refused: a late plan or approval is accepted and marked late.

Its state and guards are in ``case_state.py``, its events in ``case_events.py``,
steps 5 to 8 in ``case_plan.py``; steps 1 to 4 are here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.utils import get_topic
from pydantic import TypeAdapter

from domain import case_events as ev
from domain import errors
from domain.base import By, Decision, command, require_aware
from domain.case_absence import AbsenceSteps
from domain.case_framework import FrameworkSteps
from domain.case_plan import PlanSteps
from domain.case_state import MAX_NOTES, CaseNote, CheckIn, NoteVisibility, PlanVersion
from domain.phases import BEFORE_MEETING, MEETING_PENDING, MEETING_REQUESTABLE, Phase, PlanStatus
from domain.values import (
    ActionItemSpec,
    Agenda,
    ConversationFeedback,
    Participants,
    PeerFeedback,
    Policy,
    Recap,
    SelfAssessment,
    SmartErGoal,
)

__all__ = [
    "BEFORE_MEETING",
    "CaseNote",
    "CheckIn",
    "DevelopmentCase",
    "Phase",
    "PlanStatus",
    "PlanVersion",
    "case_id_for",
    "note_id_for",
]


def case_id_for(cycle_id: UUID, employee_id: str) -> UUID:
    """A case's id is derived, so opening the same case twice names the same aggregate."""
    return uuid5(cycle_id, employee_id)


class DevelopmentCase(PlanSteps, FrameworkSteps, AbsenceSteps):
    Event = ev.CaseEvent
    """The case's base event: its events are bound as they are (``domain/case_events.py``)."""
    CaseOpened = ev.CaseOpened

    @classmethod
    def open(cls, **opening: Any) -> DevelopmentCase:
        """A new case, built (the arguments are ``opening``'s)."""
        opened = cls.opening(**opening)
        case = opened.mutate(None)
        assert isinstance(case, DevelopmentCase)
        case.pending_events.append(opened)
        return case

    @classmethod
    def opening(
        cls,
        *,
        cycle_id: UUID,
        participants: Participants,
        policy: Policy,
        cycle_opens_at: datetime,
        cycle_closes_at: datetime,
        okr_planning_on: date | None,
        by: By,
        framework_version: int | None = None,
    ) -> ev.CaseOpened:
        """The event that opens a case, without building the case.

        Opening a cycle stores tens of thousands of these and needs none of the
        cases in memory; building each one cost more than storing it.
        """
        require_aware(by.at)
        terms = {name: value for name, value in locals().items() if name not in ("cls", "by")}
        return ev.CaseOpened(  # type: ignore[call-arg]  # eventsourcing makes the __init__
            originator_id=case_id_for(cycle_id, participants.employee_id),
            originator_version=cls.INITIAL_VERSION,
            originator_topic=_CASE_TOPIC,
            timestamp=by.at,
            actor=by.actor,
            idempotency_key=None,
            **terms,
        )

    # --- people -----------------------------------------------------------------

    @command(ev.ManagerChanged)
    def change_manager(
        self,
        *,
        participants: Participants,
        by: By,
    ) -> Decision:
        """The roster changed: future approvals and escalations go to the new people."""
        self._live()
        if participants.employee_id != self.employee_id:
            raise errors.InvalidCommand("employee_id", "belongs to another case")
        if participants == self.participants:
            return None
        previous = self.manager_id if participants.manager_id != self.manager_id else None
        return {"participants": participants, "previous_manager_id": previous}

    # --- 1. prepare -------------------------------------------------------------

    @command(ev.SelfAssessmentRecorded)
    def record_self_assessment(
        self,
        *,
        assessment: SelfAssessment,
        by: By,
    ) -> Decision:
        self._preparing_as_employee(by, "record the self-assessment")
        return {"assessment": assessment}

    @command(ev.GoalProposed)
    def propose_goal(self, *, goal: SmartErGoal, by: By) -> Decision:
        self._preparing_as_employee(by, "propose a goal")
        self._goal_inside_cycle(goal)
        return {"goal": goal}

    @command(ev.PeerFeedbackRequested)
    def request_peer_feedback(self, *, peer_id: str, by: By) -> Decision:
        self._preparing_as_employee(by, "request peer feedback")
        if peer_id in (self.employee_id, ""):
            raise errors.InvalidCommand("peer_id", "must name a coworker, not the employee")
        if peer_id in self.peer_feedback:
            raise errors.InvalidCommand("peer_id", f"feedback was already requested from {peer_id}")
        return {"peer_id": peer_id}

    @command(ev.PeerFeedbackReceived)
    def receive_peer_feedback(
        self,
        *,
        feedback: PeerFeedback,
        anonymous: bool = False,
        by: By,
    ) -> Decision:
        self._live()
        if by.actor not in self.peer_feedback:
            raise errors.PeerFeedbackNotRequested(
                f"no feedback was requested from {by.actor!r}", current=self.phase
            )
        if self.peer_feedback[by.actor] is not None:
            raise errors.InvalidCommand("feedback", f"{by.actor} already gave feedback")
        return {"peer_id": by.actor, "feedback": feedback, "anonymous": anonymous}

    # --- 2. request the meeting -------------------------------------------------

    @command(ev.MeetingRequested)
    def request_meeting(
        self,
        *,
        proposed_for: datetime,
        by: By,
    ) -> Decision:
        self._live()
        self._as_employee(by.actor, "request the career conversation")
        if self.phase not in MEETING_REQUESTABLE:
            raise errors.MeetingAlreadyRequested(
                "the meeting was already requested", current=self.phase
            )
        require_aware(proposed_for, "proposed_for")
        notice = proposed_for - by.at
        if notice < self.policy.meeting_notice:
            raise errors.NoticeTooShort(
                "proposed_for",
                f"needs at least {_iso(self.policy.meeting_notice)} notice, "
                f"got {_iso(max(notice, timedelta(0)))}",
            )
        if proposed_for > self.cycle_closes_at:
            raise errors.OutsideCycle("proposed_for", "must be before the cycle closes")
        return {"proposed_for": proposed_for}

    def _meeting_answer_late(self, at: datetime) -> bool:
        assert self.meeting_requested_at is not None
        return at > self.meeting_requested_at + self.policy.meeting_response

    @command(ev.MeetingAccepted)
    def accept_meeting(self, *, by: By) -> Decision:
        self._live()
        self._as_manager(by.actor, "accept the meeting")
        if self.phase is not Phase.MEETING_REQUESTED:
            raise errors.MeetingNotPending("no meeting request is pending", current=self.phase)
        return {"late": self._meeting_answer_late(by.at)}

    @command(ev.MeetingRescheduled)
    def reschedule_meeting(
        self,
        *,
        new_time: datetime,
        reason: str,
        by: By,
    ) -> Decision:
        """The manager proposes another time for a request, or either party moves it."""
        self._live()
        if self.phase is Phase.MEETING_REQUESTED:
            self._as_manager(by.actor, "propose another time for the meeting request")
        elif self.phase is Phase.MEETING_SCHEDULED:
            self._as_party(by.actor, "reschedule the meeting")
        else:
            raise errors.MeetingNotScheduled(
                "there is no requested or scheduled meeting to move", current=self.phase
            )
        require_aware(new_time, "new_time")
        if not reason.strip():
            raise errors.InvalidCommand("reason", "say why the meeting moves")
        if new_time <= by.at:
            raise errors.InvalidCommand("new_time", "must be in the future")
        if new_time > self.cycle_closes_at:
            raise errors.OutsideCycle("new_time", "must be before the cycle closes")
        return {"new_time": new_time, "reason": reason.strip()}

    @command(ev.MeetingDeclined)
    def decline_meeting(self, *, reason: str, by: By) -> Decision:
        """The manager declines a request, or calls off a scheduled meeting (it is cancelled).

        Either way the employee requests again; calling off keeps the first answer's lateness.
        """
        self._live()
        self._as_manager(by.actor, "decline the meeting")
        if self.phase not in MEETING_PENDING:
            raise errors.MeetingNotPending(
                "no meeting is requested or scheduled", current=self.phase
            )
        if not reason.strip():
            raise errors.InvalidCommand("reason", "a declined meeting needs a reason")
        answered = self.meeting_answered_at or by.at
        return {"reason": reason.strip(), "late": self._meeting_answer_late(answered)}

    # --- 3. share the agenda ----------------------------------------------------

    @command(ev.AgendaShared)
    def share_agenda(self, *, agenda: Agenda, by: By) -> Decision:
        self._live()
        self._as_party(by.actor, "share the agenda")
        if self.held_at is not None:
            raise errors.AgendaAfterMeeting(
                "the agenda is shared before the meeting, which was already held",
                current=self.phase,
            )
        if self.phase not in MEETING_PENDING:
            raise errors.MeetingNotRequested(
                "request the meeting before sharing its agenda", current=self.phase
            )
        return {"agenda": agenda}

    # --- 4. hold the conversation -------------------------------------------------

    @command(ev.MeetingHeld)
    def hold_meeting(
        self,
        *,
        held_at: datetime,
        by: By,
    ) -> Decision:
        self._live()
        self._as_party(by.actor, "record the meeting as held")
        if self.phase is not Phase.MEETING_SCHEDULED:
            raise errors.MeetingNotScheduled(
                "only an accepted meeting can be held", current=self.phase
            )
        require_aware(held_at, "held_at")
        if held_at > by.at:
            raise errors.InvalidCommand("held_at", "cannot be in the future")
        assert self.meeting_requested_at is not None
        assert self.meeting_at is not None
        if held_at < self.meeting_at - timedelta(days=1):
            raise errors.InvalidCommand(
                "held_at", "is more than a day before the scheduled meeting: reschedule it first"
            )
        if held_at < self.meeting_requested_at:
            raise errors.InvalidCommand("held_at", "cannot be before the meeting was requested")
        return {"held_at": held_at}

    def _other_party(self, actor: str) -> str:
        return self.manager_id if actor == self.employee_id else self.employee_id

    @command(ev.FeedbackGiven)
    def give_feedback(
        self,
        *,
        feedback: ConversationFeedback,
        by: By,
    ) -> Decision:
        self._live()
        self._as_party(by.actor, "give feedback in the conversation")
        self._held("give conversation feedback")
        return {"to_id": self._other_party(by.actor), "feedback": feedback}

    @command(ev.RecapShared)
    def share_recap(
        self,
        *,
        recap: Recap,
        action_item_ids: list[UUID],
        by: By,
    ) -> Decision:
        """Close the meeting with a recap; the application creates one ActionItem per entry."""
        self._live()
        self._as_party(by.actor, "share the recap")
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
        return {
            "recap": recap,
            "sent_to": self._other_party(by.actor),
            "action_item_ids": list(action_item_ids),
        }

    @command(ev.ActionItemAdded)
    def add_action_item(
        self,
        *,
        spec: ActionItemSpec,
        action_item_id: UUID,
        by: By,
    ) -> Decision:
        """An action item agreed after the recap (in a check-in, say)."""
        self._live()
        self._as_party(by.actor, "agree an action item")
        self._held("agree an action item")
        self.check_action_item(spec)
        return {"action_item_id": action_item_id, "spec": spec}

    # --- notes (any time the case is open) ---------------------------------------

    @command(ev.NoteAdded)
    def add_note(self, *, note_id: UUID, text: str, visibility: NoteVisibility, by: By) -> Decision:
        """A private note (its author's alone) or one shared by the employee and manager."""
        self._live()
        self._as_party(by.actor, "add a note")
        if len(self.notes) >= MAX_NOTES:
            raise errors.InvalidCommand("text", f"a case holds at most {MAX_NOTES} notes")
        if any(n.note_id == note_id for n in self.notes):
            raise errors.InvalidCommand("note_id", "names a note the case already has")
        return {"note_id": note_id, "visibility": visibility.value, "text": text}

    @command(ev.PersonalDataErased)
    def erase_personal_data(self, *, by: By) -> Decision:
        """Recorded once, in any phase: replay already reads the texts as erased."""
        return None if self.has_recorded(ev.PersonalDataErased) else {}


def note_id_for(case_id: UUID, key: str) -> UUID:
    """A note's id is derived, so the same request (Idempotency-Key) names the same note."""
    return uuid5(case_id, f"note:{key}")


_DURATION = TypeAdapter(timedelta)


def _iso(delta: timedelta) -> str:
    """Render a duration the way policies are written (ISO-8601)."""
    rendered: str = _DURATION.dump_python(delta, mode="json")
    return rendered


_CASE_TOPIC = get_topic(DevelopmentCase)

ev.bind_events(lambda event: setattr(DevelopmentCase, event.__name__, event))
"""Every case event is reachable on the aggregate too, as stored topics name it."""
