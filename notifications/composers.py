"""What each notified event tells whom: one composer per event class, in words people read.

Every message names the people by the roster's names, writes times in the
recipient's own time zone (to the minute), says which cycle it belongs to and
links to what it is about. Reminders and escalations also say whose work it is,
which step (or which action item), when it was due, how late it is and why the
recipient is told (their own work, or their rung on the escalation ladder), so
five escalations about five people read as five different messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import humanize

from domain import case_events as ev
from domain import deadlines
from domain.action_item import ActionItem
from domain.case import DevelopmentCase
from domain.phases import Phase
from domain.values import Party, Rung
from notifications.channels import Contact, Notification, meeting_invitation
from notifications.chat_actions import ChatAction
from notifications.digest import next_digest_time

C = DevelopmentCase

RUNG_ROLE = {
    Rung.MANAGER: "manager",
    Rung.SKIP_LEVEL: "skip-level manager",
    Rung.HR_PARTNER: "HR partner",
}
LADDER = "the manager, the skip-level manager, then HR"


def duration(delta: timedelta) -> str:
    """A lateness or a lead time as people say it: "2 days and 3 hours" (to the minute)."""
    if delta < timedelta(minutes=1):
        return "less than a minute"
    rounded = timedelta(minutes=int(delta.total_seconds() // 60))
    text: str = humanize.precisedelta(rounded, minimum_unit="minutes", format="%d")
    return text


@dataclass(frozen=True)
class About:
    """One event and what a message about it needs: the case as of the event, people, cycle."""

    event: Any
    position: int
    link: str
    case: DevelopmentCase
    cycle_name: str
    contact: Callable[[str], Contact]
    item: ActionItem | None = None

    @property
    def employee(self) -> Contact:
        return self.contact(self.case.employee_id)

    @property
    def manager(self) -> Contact:
        return self.contact(self.case.manager_id)

    @property
    def by(self) -> str:
        """Who took the step, in words: a delegate says for whom."""
        event = self.event
        name = self.contact(event.actor).name
        if getattr(event, "on_behalf_of", None) is None:
            return name
        return f"{name} (for {self.contact(event.on_behalf_of).name}, who is away)"

    def other_party(self, actor: str) -> str:
        return self.case.manager_id if actor == self.case.employee_id else self.case.employee_id

    def note(
        self, recipient: str, subject: str, lines: list[str], *attachments: Any
    ) -> Notification:
        """A message with the footer every message carries: the cycle and the link."""
        body = "\n".join([*lines, "", f"Cycle: {self.cycle_name}", f"Open: {self.link}"])
        return Notification(
            self.position, recipient, subject, body, attachments, self.link,
            page=f"/cases/{self.case.id}",
        )  # fmt: skip

    def with_button(self, note: Notification, label: str, step: str) -> Notification:
        """The message with a chat button taking ``step`` on the item (if about one) or case."""
        if self.item is not None:
            action = ChatAction(label, "item", self.item.id, step)
        else:
            action = ChatAction(label, "case", self.case.id, step)
        return replace(note, actions=(*note.actions, action))


Composer = Callable[[About], list[Notification]]
Canceller = Callable[[About, datetime | None], list[Notification]]

COMPOSERS: dict[type, Composer] = {}
"""The notifier's table: each event somebody is told about, and the composer of its message."""
CANCELLING: dict[type, Canceller] = {}
"""Events whose message also depends on the meeting that was scheduled just before them."""


W = TypeVar("W", Composer, Canceller)


def _registering(table: dict[type, W]) -> Callable[..., Callable[[W], W]]:
    def on(*events: type) -> Callable[[W], W]:
        def register(writer: W) -> W:
            table.update(dict.fromkeys(events, writer))
            return writer

        return register

    return on


composes = _registering(COMPOSERS)
"""``@composes(Event, …)``: this function writes the message of these events."""
cancels = _registering(CANCELLING)
"""``@cancels(Event, …)``: the message of an event that may call off a scheduled meeting."""


def told_events() -> frozenset[type]:
    """Every event the notifier acts on: its composers and its cancelling events."""
    return frozenset(COMPOSERS) | frozenset(CANCELLING)


# --- reminders, escalations, overdue items -------------------------------------------------


def _work(about: About) -> tuple[str, Contact, str]:
    """(what, whose work, their role) for a reminder or an escalation."""
    event, case = about.event, about.case
    if about.item is not None:
        owner = about.contact(about.item.owner_id)
        return f'the action item "{about.item.title}"', owner, "the action item's owner"
    step = deadlines.deadline_of(event.deadline)
    what = step.what if step else event.reason
    if step is not None and step.owner is Party.MANAGER:
        return what, about.contact(case.manager_id), "the manager"
    return what, about.employee, "the employee"


def _work_lines(about: About, recipient: Contact, what: str, late: bool) -> list[str]:
    """What is due, for whom, and when (with how late it is)."""
    return [
        f"What: {what}",
        f"Employee: {about.employee.name}",
        *_due_lines(about, recipient, late),
    ]


def _due_lines(about: About, recipient: Contact, late: bool) -> list[str]:
    due: datetime | None = about.event.due_at
    if due is None:  # recorded before due times were kept
        return [f"Due: {about.event.reason}"]
    lines = [f"Due: {recipient.local(due)}"]
    gap = about.event.timestamp - due
    lines.append(f"Late by: {duration(gap)}" if late else f"Time left: {duration(-gap)}")
    return lines


@composes(C.ReminderSent, ActionItem.ReminderSent)
def reminder(about: About) -> list[Notification]:
    event = about.event
    recipient = about.contact(event.recipient_id)
    what, owner, role = _work(about)
    due = f", due {recipient.local(event.due_at)}" if event.due_at else ""
    subject = f"Reminder: {what} for {about.employee.name}{due}"
    lines = [
        f"Whose work: {owner.name} ({role})",
        *_work_lines(about, recipient, what, late=False),
        _why_you(about, "it is yours to do"),
    ]
    note = about.note(event.recipient_id, subject, lines)
    return [_item_done_button(about, note)]


def _item_done_button(about: About, note: Notification) -> Notification:
    """An action item's message to its owner carries *Mark done*."""
    if about.item is None or note.recipient_id != about.item.owner_id:
        return note
    return about.with_button(note, "Mark done", "complete")


def _why_you(about: About, reason: str) -> str:
    """Why the recipient: the reason, or the absent person they stand in for."""
    covering = getattr(about.event, "covering", None)
    if covering is None:
        return f"Why you: {reason}"
    away = about.contact(covering).name
    return f"Why you: {away} is away, and you stand in for them (it was addressed to them)"


@composes(C.Escalated, ActionItem.Escalated)
def escalation(about: About) -> list[Notification]:
    event = about.event
    recipient = about.contact(event.recipient_id)
    what, owner, role = _work(about)
    rung = Rung(event.rung)
    late = f" is {duration(event.timestamp - event.due_at)} late" if event.due_at else " is late"
    subject = f"Escalation (rung {int(rung)}): {what} for {about.employee.name}{late}"
    lines = [
        f"Whose work: {owner.name} ({role}) has not acted",
        *_work_lines(about, recipient, what, late=True),
        _why_you(
            about,
            f"you are {about.employee.name}'s {RUNG_ROLE[rung]}, rung {int(rung)} of 3 "
            f"on the escalation ladder ({LADDER})",
        ),
    ]
    note = about.note(event.recipient_id, subject, lines)
    hour = about.case.policy.escalation_digest_hour
    if hour is None:
        return [note]
    digest_at = next_digest_time(event.timestamp, hour, recipient.timezone)
    return [replace(note, digest_at=digest_at)]


@composes(ActionItem.ActionItemOverdue)
def item_overdue(about: About) -> list[Notification]:
    item = about.item
    assert item is not None
    owner = about.contact(item.owner_id)
    lines = [
        f'What: the action item "{item.title}"',
        f"Employee: {about.employee.name}",
        f"Was due: {owner.local(item.due_at)}",
        "Why you: it is yours to finish",
    ]
    note = about.note(item.owner_id, f'Action item overdue: "{item.title}"', lines)
    return [_item_done_button(about, note)]


# --- the conversation --------------------------------------------------------------------


@composes(ev.PeerFeedbackRequested)
def peer_asked(about: About) -> list[Notification]:
    peer_id = about.event.peer_id
    asker = about.by
    subject = f"{asker} asks for your feedback before their career conversation"
    lines = [
        f"{asker} asked you for peer feedback on {about.employee.name}.",
        "Why you: you were named as a peer; answer (or ignore) it from the link below.",
    ]
    return [about.note(peer_id, subject, lines)]


@composes(ev.MeetingRequested)
def meeting_requested(about: About) -> list[Notification]:
    manager = about.manager
    lines = [
        f"Proposed for: {manager.local(about.event.proposed_for)}",
        "Why you: you are the manager; accept, propose another time or decline.",
    ]
    subject = f"{about.employee.name} asks for a career conversation"
    return [
        about.with_button(
            about.note(about.case.manager_id, subject, lines), "Accept", "meeting/accept"
        )
    ]


def _invite(about: About, method: str = "REQUEST") -> Any:
    case = about.case
    start = case.meeting_at
    assert start is not None
    return meeting_invitation(case.id, start, about.employee, about.manager, case.version, method)


@composes(ev.MeetingAccepted, ev.MeetingRescheduled)
def meeting_scheduled(about: About) -> list[Notification]:
    case, event = about.case, about.event
    assert case.meeting_at is not None
    moved = isinstance(event, ev.MeetingRescheduled)
    subject = "Career conversation moved" if moved else "Career conversation scheduled"
    mover = about.by
    notes = []
    for person_id in (case.employee_id, case.manager_id):
        person = about.contact(person_id)
        lines = [f"When: {person.local(case.meeting_at)}", f"With: {about.employee.name} and "
                 f"{about.manager.name}"]  # fmt: skip
        if moved:
            lines.append(f"Moved by {mover}: {event.reason}")
        notes.append(about.note(person_id, subject, lines, _invite(about)))
    return notes


@cancels(ev.MeetingDeclined)
def meeting_declined(about: About, scheduled_at: datetime | None) -> list[Notification]:
    """A declined request tells the employee; a called-off meeting cancels both invitations."""
    case, event = about.case, about.event
    lines = [f"Reason: {event.reason}", "The employee requests the meeting again."]
    if scheduled_at is None:
        return [about.note(case.employee_id, "Meeting request declined", lines)]
    cancel = meeting_invitation(
        case.id, scheduled_at, about.employee, about.manager, case.version, "CANCEL"
    )
    return [
        about.note(p, "Career conversation called off", lines, cancel)
        for p in (case.employee_id, case.manager_id)
    ]


@composes(ev.AgendaShared)
def agenda_shared(about: About) -> list[Notification]:
    event = about.event
    sharer = about.by
    topics = ", ".join(topic.value.replace("_", " ") for topic in event.agenda.topics)
    lines = [f"Topics: {topics}", *([f"Notes: {event.agenda.notes}"] if event.agenda.notes else [])]
    subject = f"{sharer} shared the agenda for your career conversation"
    return [about.note(about.other_party(event.party), subject, lines)]


@composes(ev.RecapShared)
def recap_shared(about: About) -> list[Notification]:
    event = about.event
    sharer = about.by
    lines = [f"Shared by {sharer}.", f"What was learned: {event.recap.learned}"]
    return [about.note(event.sent_to, "Recap of your career conversation", lines)]


# --- the plan and check-ins ----------------------------------------------------------------


@composes(ev.PlanSubmitted)
def plan_submitted(about: About) -> list[Notification]:
    subject = f"{about.employee.name} submitted a development plan"
    lines = [f"Version {about.event.version}", "Why you: you approve it or send it back."]
    note = about.note(about.case.manager_id, subject, lines)
    return [about.with_button(note, "Approve", "plan/approve")]


@composes(ev.ReadjustmentProposed)
def readjustment_proposed(about: About) -> list[Notification]:
    event = about.event
    subject = f"{about.employee.name} proposes to readjust a goal"
    lines = [event.goal.specific, f"Why: {event.reason}", "Approve it or send it back."]
    return [about.note(about.case.manager_id, subject, lines)]


@composes(ev.PlanChangesRequested)
def plan_changes_requested(about: About) -> list[Notification]:
    lines = [f"{about.by} asks for changes:", about.event.comments]
    return [about.note(about.case.employee_id, "Changes requested to your plan", lines)]


@composes(ev.ManagerChanged)
def manager_changed(about: About) -> list[Notification]:
    """A new manager mid-cycle: both are told; the open manager steps are the new one's."""
    previous = about.event.previous_manager_id
    if previous is None:
        return []
    employee, new, old = about.employee.name, about.manager.name, about.contact(previous).name
    to_new = [
        f"The roster makes you {employee}'s manager; their career conversation moves to you.",
        "Every step waiting for the manager (answering the meeting request, approving the "
        "plan, check-ins) and any reminder or escalation is yours from now.",
        f"What {old} wrote stays in the case's history.",
    ]
    to_old = [
        f"The roster gives {employee} a new manager, {new}: the career conversation moves.",
        "Nothing on it waits for you any more; what you wrote stays in its history.",
    ]
    return [
        about.note(about.case.manager_id, f"You are now {employee}'s manager", to_new),
        about.note(previous, f"{employee}'s career conversation moved to {new}", to_old),
    ]


@composes(ev.PlanApproved)
def plan_approved(about: About) -> list[Notification]:
    lines = [f"{about.by} approved version {about.event.version}."]
    return [about.note(about.case.employee_id, "Your development plan is approved", lines)]


@composes(ev.CheckInDue)
def check_in_due(about: About) -> list[Notification]:
    event, case = about.event, about.case
    return [
        about.note(
            p,
            f"Check-in {event.number} with {about.contact(about.other_party(p)).name} is due",
            [f"Due: {about.contact(p).local(event.due_at)}", "Hold it together and record it."],
        )
        for p in (case.employee_id, case.manager_id)
    ]


@composes(ev.CheckInMissed)
def check_in_missed(about: About) -> list[Notification]:
    event, case = about.event, about.case
    lines = [f"Check-in {event.number} was not held within the grace period."]
    return [
        about.note(p, f"Check-in {event.number} missed", lines)
        for p in (case.employee_id, case.manager_id)
    ]


@cancels(ev.CaseClosed)
def case_closed(about: About, scheduled_at: datetime | None) -> list[Notification]:
    """Closing a case with a meeting still ahead cancels the invitation."""
    if scheduled_at is None:
        return []
    case = about.case
    cancel = meeting_invitation(
        case.id, scheduled_at, about.employee, about.manager, case.version, "CANCEL"
    )
    lines = ["The case was closed before the meeting was held."]
    return [
        about.note(p, "Career conversation cancelled", lines, cancel)
        for p in (case.employee_id, case.manager_id)
    ]


def scheduled_before(before: DevelopmentCase) -> datetime | None:
    """The meeting an invitation went out for, if the case had one ahead of it."""
    if before.phase is Phase.MEETING_SCHEDULED and before.meeting_at is not None:
        return before.meeting_at
    return None
