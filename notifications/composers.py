"""What each notified event tells whom: one composer per event class, in words people read.

Every message names people by the roster's names, writes times in the recipient's zone
and language, says its cycle and links to its subject. Reminders and escalations say
whose work, which step, when it was due, how late, and why the recipient is told.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from domain import case_events as ev
from domain import deadlines
from domain.action_item import ActionItem
from domain.case import DevelopmentCase
from domain.phases import Phase
from domain.values import Party, Rung
from notifications.channels import Contact, Notification, meeting_invitation
from notifications.chat_actions import ChatAction
from notifications.digest import next_digest_time
from notifications.translations import N_, _, duration

C = DevelopmentCase

RUNG_ROLE = {
    Rung.MANAGER: N_("manager"),
    Rung.SKIP_LEVEL: N_("skip-level manager"),
    Rung.HR_PARTNER: N_("HR partner"),
}
LADDER = N_("the manager, the skip-level manager, then HR")


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
        away = self.contact(event.on_behalf_of).name
        return _("%(name)s (for %(away)s, who is away)", name=name, away=away)

    def other_party(self, actor: str) -> str:
        return self.case.manager_id if actor == self.case.employee_id else self.case.employee_id

    def note(
        self, recipient: str, subject: str, lines: list[str], *attachments: Any
    ) -> Notification:
        """A message with the footer every message carries: the cycle and the link."""
        footer = [_("Cycle: %(cycle)s", cycle=self.cycle_name), _("Open: %(link)s", link=self.link)]
        body = "\n".join([*lines, "", *footer])
        return Notification(
            self.position,
            recipient,
            subject,
            body,
            attachments,
            self.link,
            page=f"/cases/{self.case.id}",
        )

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
        what = _('the action item "%(title)s"', title=about.item.title)
        return what, owner, _("the action item's owner")
    step = deadlines.deadline_of(event.deadline)
    what = _(step.what) if step else event.reason
    if step is not None and step.owner is Party.MANAGER:
        return what, about.contact(case.manager_id), _("the manager")
    return what, about.employee, _("the employee")


def _work_lines(about: About, recipient: Contact, what: str, late: bool) -> list[str]:
    """What is due, for whom, and when (with how late it is)."""
    return [
        _("What: %(what)s", what=what),
        _("Employee: %(name)s", name=about.employee.name),
        *_due_lines(about, recipient, late),
    ]


def _due_lines(about: About, recipient: Contact, late: bool) -> list[str]:
    due: datetime | None = about.event.due_at
    if due is None:  # recorded before due times were kept
        return [_("Due: %(due)s", due=about.event.reason)]
    lines = [_("Due: %(due)s", due=recipient.local(due))]
    gap = about.event.timestamp - due
    lines.append(
        _("Late by: %(time)s", time=duration(gap))
        if late
        else _("Time left: %(time)s", time=duration(-gap))
    )
    return lines


@composes(C.ReminderSent, ActionItem.ReminderSent)
def reminder(about: About) -> list[Notification]:
    event = about.event
    recipient = about.contact(event.recipient_id)
    what, owner, role = _work(about)
    name = about.employee.name
    subject = (
        _(
            "Reminder: %(what)s for %(name)s, due %(due)s",
            what=what,
            name=name,
            due=recipient.local(event.due_at),
        )
        if event.due_at
        else _("Reminder: %(what)s for %(name)s", what=what, name=name)
    )
    lines = [
        _("Whose work: %(owner)s (%(role)s)", owner=owner.name, role=role),
        *_work_lines(about, recipient, what, late=False),
        _why_you(about, _("it is yours to do")),
    ]
    note = about.note(event.recipient_id, subject, lines)
    return [_item_done_button(about, note)]


def _item_done_button(about: About, note: Notification) -> Notification:
    """An action item's message to its owner carries *Mark done*."""
    if about.item is None or note.recipient_id != about.item.owner_id:
        return note
    return about.with_button(note, _("Mark done"), "complete")


def _why_you(about: About, reason: str) -> str:
    """Why the recipient: the reason, or the absent person they stand in for."""
    covering = getattr(about.event, "covering", None)
    if covering is None:
        return _("Why you: %(reason)s", reason=reason)
    away = about.contact(covering).name
    return _(
        "Why you: %(away)s is away, and you stand in for them (it was addressed to them)",
        away=away,
    )


@composes(C.Escalated, ActionItem.Escalated)
def escalation(about: About) -> list[Notification]:
    event = about.event
    recipient = about.contact(event.recipient_id)
    what, owner, role = _work(about)
    rung = Rung(event.rung)
    name, number = about.employee.name, int(rung)
    subject = (
        _(
            "Escalation (rung %(rung)s): %(what)s for %(name)s is %(time)s late",
            rung=number,
            what=what,
            name=name,
            time=duration(event.timestamp - event.due_at),
        )
        if event.due_at
        else _(
            "Escalation (rung %(rung)s): %(what)s for %(name)s is late",
            rung=number,
            what=what,
            name=name,
        )
    )
    lines = [
        _("Whose work: %(owner)s (%(role)s) has not acted", owner=owner.name, role=role),
        *_work_lines(about, recipient, what, late=True),
        _why_you(
            about,
            _(
                "you are %(name)s's %(role)s, rung %(rung)s of 3 on the escalation ladder "
                "(%(ladder)s)",
                name=name,
                role=_(RUNG_ROLE[rung]),
                rung=number,
                ladder=_(LADDER),
            ),
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
        _('What: the action item "%(title)s"', title=item.title),
        _("Employee: %(name)s", name=about.employee.name),
        _("Was due: %(due)s", due=owner.local(item.due_at)),
        _("Why you: it is yours to finish"),
    ]
    note = about.note(item.owner_id, _('Action item overdue: "%(title)s"', title=item.title), lines)
    return [_item_done_button(about, note)]


# --- the conversation --------------------------------------------------------------------


@composes(ev.PeerFeedbackRequested)
def peer_asked(about: About) -> list[Notification]:
    peer_id = about.event.peer_id
    asker = about.by
    subject = _("%(asker)s asks for your feedback before their career conversation", asker=asker)
    lines = [
        _(
            "%(asker)s asked you for peer feedback on %(name)s.",
            asker=asker,
            name=about.employee.name,
        ),
        _("Why you: you were named as a peer; answer (or ignore) it from the link below."),
    ]
    return [about.note(peer_id, subject, lines)]


@composes(ev.MeetingRequested)
def meeting_requested(about: About) -> list[Notification]:
    manager = about.manager
    lines = [
        _("Proposed for: %(when)s", when=manager.local(about.event.proposed_for)),
        _("Why you: you are the manager; accept, propose another time or decline."),
    ]
    subject = _("%(name)s asks for a career conversation", name=about.employee.name)
    note = about.note(about.case.manager_id, subject, lines)
    return [about.with_button(note, _("Accept"), "meeting/accept")]


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
    subject = _("Career conversation moved") if moved else _("Career conversation scheduled")
    mover = about.by
    notes = []
    for person_id in (case.employee_id, case.manager_id):
        person = about.contact(person_id)
        lines = [_("When: %(when)s", when=person.local(case.meeting_at)),
                 _("With: %(employee)s and %(manager)s", employee=about.employee.name,
                   manager=about.manager.name)]  # fmt: skip
        if moved:
            lines.append(_("Moved by %(mover)s: %(reason)s", mover=mover, reason=event.reason))
        notes.append(about.note(person_id, subject, lines, _invite(about)))
    return notes


@cancels(ev.MeetingDeclined)
def meeting_declined(about: About, scheduled_at: datetime | None) -> list[Notification]:
    """A declined request tells the employee; a called-off meeting cancels both invitations."""
    case, event = about.case, about.event
    lines = [
        _("Reason: %(reason)s", reason=event.reason),
        _("The employee requests the meeting again."),
    ]
    if scheduled_at is None:
        return [about.note(case.employee_id, _("Meeting request declined"), lines)]
    cancel = meeting_invitation(
        case.id, scheduled_at, about.employee, about.manager, case.version, "CANCEL"
    )
    return [
        about.note(p, _("Career conversation called off"), lines, cancel)
        for p in (case.employee_id, case.manager_id)
    ]


@composes(ev.AgendaShared)
def agenda_shared(about: About) -> list[Notification]:
    event = about.event
    sharer = about.by
    topics = ", ".join(_(topic.value.replace("_", " ")) for topic in event.agenda.topics)
    notes = event.agenda.notes
    lines = [
        _("Topics: %(topics)s", topics=topics),
        *([_("Notes: %(notes)s", notes=notes)] if notes else []),
    ]
    subject = _("%(sharer)s shared the agenda for your career conversation", sharer=sharer)
    return [about.note(about.other_party(event.party), subject, lines)]


@composes(ev.RecapShared)
def recap_shared(about: About) -> list[Notification]:
    event = about.event
    sharer = about.by
    lines = [
        _("Shared by %(sharer)s.", sharer=sharer),
        _("What was learned: %(learned)s", learned=event.recap.learned),
    ]
    return [about.note(event.sent_to, _("Recap of your career conversation"), lines)]


# --- the plan and check-ins ----------------------------------------------------------------


@composes(ev.PlanSubmitted)
def plan_submitted(about: About) -> list[Notification]:
    subject = _("%(name)s submitted a development plan", name=about.employee.name)
    lines = [
        _("Version %(version)s", version=about.event.version),
        _("Why you: you approve it or send it back."),
    ]
    note = about.note(about.case.manager_id, subject, lines)
    return [about.with_button(note, _("Approve"), "plan/approve")]


@composes(ev.ReadjustmentProposed)
def readjustment_proposed(about: About) -> list[Notification]:
    event = about.event
    subject = _("%(name)s proposes to readjust a goal", name=about.employee.name)
    lines = [
        event.goal.specific,
        _("Why: %(reason)s", reason=event.reason),
        _("Approve it or send it back."),
    ]
    return [about.note(about.case.manager_id, subject, lines)]


@composes(ev.PlanChangesRequested)
def plan_changes_requested(about: About) -> list[Notification]:
    lines = [_("%(by)s asks for changes:", by=about.by), about.event.comments]
    return [about.note(about.case.employee_id, _("Changes requested to your plan"), lines)]


@composes(ev.ManagerChanged)
def manager_changed(about: About) -> list[Notification]:
    """A new manager mid-cycle: both are told; the open manager steps are the new one's."""
    previous = about.event.previous_manager_id
    if previous is None:
        return []
    employee, new, old = about.employee.name, about.manager.name, about.contact(previous).name
    to_new = [
        _(
            "The roster makes you %(employee)s's manager; their career conversation moves to you.",
            employee=employee,
        ),
        _(
            "Every step waiting for the manager (answering the meeting request, approving the "
            "plan, check-ins) and any reminder or escalation is yours from now."
        ),
        _("What %(old)s wrote stays in the case's history.", old=old),
    ]
    to_old = [
        _(
            "The roster gives %(employee)s a new manager, %(new)s: the career conversation moves.",
            employee=employee,
            new=new,
        ),
        _("Nothing on it waits for you any more; what you wrote stays in its history."),
    ]
    moved = _("%(employee)s's career conversation moved to %(new)s", employee=employee, new=new)
    return [
        about.note(
            about.case.manager_id,
            _("You are now %(employee)s's manager", employee=employee),
            to_new,
        ),
        about.note(previous, moved, to_old),
    ]


@composes(ev.PlanApproved)
def plan_approved(about: About) -> list[Notification]:
    lines = [_("%(by)s approved version %(version)s.", by=about.by, version=about.event.version)]
    return [about.note(about.case.employee_id, _("Your development plan is approved"), lines)]


@composes(ev.CheckInDue)
def check_in_due(about: About) -> list[Notification]:
    event, case = about.event, about.case
    return [
        about.note(
            p,
            _(
                "Check-in %(number)s with %(name)s is due",
                number=event.number,
                name=about.contact(about.other_party(p)).name,
            ),
            [
                _("Due: %(due)s", due=about.contact(p).local(event.due_at)),
                _("Hold it together and record it."),
            ],
        )
        for p in (case.employee_id, case.manager_id)
    ]


@composes(ev.CheckInMissed)
def check_in_missed(about: About) -> list[Notification]:
    event, case = about.event, about.case
    lines = [_("Check-in %(number)s was not held within the grace period.", number=event.number)]
    return [
        about.note(p, _("Check-in %(number)s missed", number=event.number), lines)
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
    lines = [_("The case was closed before the meeting was held.")]
    return [
        about.note(p, _("Career conversation cancelled"), lines, cancel)
        for p in (case.employee_id, case.manager_id)
    ]


def scheduled_before(before: DevelopmentCase) -> datetime | None:
    """The meeting an invitation went out for, if the case had one ahead of it."""
    if before.phase is Phase.MEETING_SCHEDULED and before.meeting_at is not None:
        return before.meeting_at
    return None
