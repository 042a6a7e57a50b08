"""What each person must do now on a case: the open steps, whose they are and when they are due.

``CaseProgress`` is the small slice of a case that decides its open steps; the
tasks read model keeps one per case (as JSON) and applies each case event to it,
so ``GET /me/tasks`` never loads an aggregate. ``open_tasks`` is pure: the same
progress always gives the same tasks. The tasks with a deadline come from the one
deadline rule (``domain.deadlines.open_deadlines``) the deadline engine ladders over;
steps without a deadline (feedback, the recap) are open with no due time.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from domain import case_events as ev
from domain import deadlines
from domain.phases import (
    MEETING_PENDING,
    Phase,
)
from domain.subscriptions import PHASE_AFTER
from domain.values import Participants, Party, Policy


class Task(StrEnum):
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


WHAT: dict[Task, str] = {
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
"""Each task in words, for lists and messages."""


DEADLINE_TASKS: dict[str, Task] = {
    deadlines.PREP.name: Task.PREPARE,
    deadlines.MEETING_REQUEST.name: Task.REQUEST_MEETING,
    deadlines.MEETING_RESPONSE.name: Task.ANSWER_MEETING_REQUEST,
    deadlines.PLAN_DUE.name: Task.SUBMIT_PLAN,
    deadlines.APPROVAL.name: Task.REVIEW_PLAN,
}
"""The task each of a case's deadlines opens for its owner."""


class OpenTask(BaseModel):
    task: Task
    person_id: str
    role: str
    """Why it is theirs: employee, manager, peer, owner (or their rung for an escalation)."""
    due_at: datetime | None = None
    deadline: str | None = None
    """The deadline engine's key, when the step has one (escalations name it)."""
    number: int | None = None


class CaseProgress(BaseModel):
    """What decides a case's open steps, kept up to date from its events."""

    employee_id: str
    manager_id: str
    policy: Policy
    opened_at: datetime
    phase: Phase = Phase.PREPARING
    self_assessed: bool = False
    meeting_requests: int = 0
    meeting_requested_at: datetime | None = None
    meeting_at: datetime | None = None
    agenda_shared: bool = False
    held_at: datetime | None = None
    feedback_from: list[str] = Field(default_factory=list)
    recap_shared: bool = False
    submitted_at: datetime | None = None
    submitted_version: int = 0
    check_ins_due: dict[int, datetime] = Field(default_factory=dict)
    peers_pending: list[str] = Field(default_factory=list)

    @classmethod
    def opened(cls, event: Any) -> CaseProgress:
        people: Participants = event.participants
        return cls(
            employee_id=people.employee_id,
            manager_id=people.manager_id,
            policy=event.policy,
            opened_at=event.timestamp,
        )

    def apply(self, event: Any) -> None:
        """Take one case event into account (events that change no step are ignored)."""
        self.phase = PHASE_AFTER.get(type(event), self.phase)
        match event:
            case ev.SelfAssessmentRecorded():
                self.self_assessed = True
            case ev.MeetingRequested():
                self.meeting_requests += 1
                self.meeting_requested_at = event.timestamp
                self.meeting_at = event.proposed_for
                self.agenda_shared = False
            case ev.MeetingRescheduled():
                self.meeting_at = event.new_time
            case ev.MeetingDeclined():
                self.meeting_at = None
            case ev.AgendaShared():
                self.agenda_shared = True
            case ev.MeetingHeld():
                self.held_at = event.held_at
            case ev.FeedbackGiven():
                self.feedback_from.append(event.actor)
            case ev.RecapShared():
                self.recap_shared = True
            case ev.PlanSubmitted() | ev.ReadjustmentProposed():
                self.submitted_at = event.timestamp
                self.submitted_version = event.version
            case ev.CheckInDue():
                self.check_ins_due[event.number] = event.due_at
            case ev.CheckInHeld() | ev.CheckInMissed():
                if event.number is not None:
                    self.check_ins_due.pop(event.number, None)
            case ev.PeerFeedbackRequested():
                if event.peer_id not in self.peers_pending:
                    self.peers_pending.append(event.peer_id)
            case ev.PeerFeedbackReceived():
                if event.peer_id in self.peers_pending:
                    self.peers_pending.remove(event.peer_id)
            case ev.ManagerChanged():
                self.manager_id = event.participants.manager_id

    def open_tasks(self) -> list[OpenTask]:
        """Every step somebody owes on this case now, with its due time if it has one."""
        if self.phase is Phase.CLOSED:
            return []
        employee, manager = self.employee_id, self.manager_id
        both = ((employee, "employee"), (manager, "manager"))
        found: list[OpenTask] = []

        def add(task: Task, person: str, role: str, due: datetime | None, key: str | None = None,
                number: int | None = None) -> None:  # fmt: skip
            found.append(OpenTask(task=task, person_id=person, role=role, due_at=due,
                                  deadline=key, number=number))  # fmt: skip

        people = {Party.EMPLOYEE: employee, Party.MANAGER: manager}
        for open_deadline in deadlines.open_deadlines(self):
            task, owner = DEADLINE_TASKS[open_deadline.deadline.name], open_deadline.owner
            add(task, people[owner], owner.value, open_deadline.due_at, open_deadline.key)
        if self.phase in MEETING_PENDING and not self.agenda_shared:
            add(Task.SHARE_AGENDA, employee, "employee", self.meeting_at)
        if self.phase is Phase.MEETING_SCHEDULED:
            for person, role in both:
                add(Task.HOLD_MEETING, person, role, self.meeting_at)
        if self.held_at is not None:
            for person, role in both:
                if person not in self.feedback_from:
                    add(Task.GIVE_FEEDBACK, person, role, None)
            if not self.recap_shared:
                for person, role in both:
                    add(Task.SHARE_RECAP, person, role, None)
        for peer in self.peers_pending:
            add(Task.GIVE_PEER_FEEDBACK, peer, "peer", self.meeting_at)
        for number, due in sorted(self.check_ins_due.items()):
            for person, role in both:
                add(Task.HOLD_CHECK_IN, person, role, due, number=number)
        return found

    def open_deadline_keys(self) -> set[str]:
        """The deadline keys still open (an escalation about any other is settled)."""
        return {d.key for d in deadlines.open_deadlines(self)}
