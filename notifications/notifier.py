"""The notifier: follows the log and tells people what concerns them, on every channel.

It reuses the log follower (its own tracking position) and the notification
port. Delivery is at-least-once: a restart may re-send the last batch; the inbox
drops the duplicate, e-mail and webhooks may repeat it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from domain import subscriptions
from domain.action_item import ActionItem
from domain.application import CareerFlow
from domain.case import DevelopmentCase
from eventlog.follower import Delivery, LogFollower, TrackingStore
from eventlog.set_aside import SetAside, handle_guarded, retry_requested
from eventlog.topics import NOTIFIED_TOPICS
from notifications.channels import Channel, Directory, Notification, meeting_invitation

log = logging.getLogger(__name__)

C = DevelopmentCase

CASE_LINK = "/api/v1/cases/{id}"
ITEM_LINK = "/api/v1/action-items/{id}"
"""Where a message points (the API until the web pages exist)."""


def link_to(event: Any) -> str:
    template = ITEM_LINK if isinstance(event, ActionItem.Event) else CASE_LINK
    return template.format(id=event.originator_id)


class Notifier:
    def __init__(self, app: CareerFlow, channels: Sequence[Channel], directory: Directory) -> None:
        self.app = app
        self.channels = list(channels)
        self.directory = directory

    def notifications(self, delivery: Delivery) -> list[Notification]:
        """Who hears of this event, and what they are told."""
        event: Any = delivery.event
        kind = type(event)
        if kind not in subscriptions.NOTIFIED_EVENTS:
            return []

        link = link_to(event)

        def note(recipient: str, subject: str, body: str, *attachments: Any) -> Notification:
            return Notification(delivery.position, recipient, subject, body, attachments, link)

        if kind in subscriptions.REMINDERS:
            return [note(event.recipient_id, "Reminder", event.reason)]
        if kind in subscriptions.ESCALATIONS:
            return [note(event.recipient_id, "Escalation", event.reason)]
        case = self._case_of(event)
        if case is None:
            return []
        employee, manager = case.employee_id, case.manager_id
        people = {p: self.directory.contact(p) for p in (employee, manager)}
        if kind is C.MeetingRequested:
            when = people[manager].local(event.proposed_for)
            asked = f"{people[employee].name} asks for a career conversation"
            return [note(manager, asked, f"Proposed for {when}")]
        if kind in (C.MeetingAccepted, C.MeetingRescheduled):
            assert case.meeting_at is not None
            invite = meeting_invitation(
                case.id, case.meeting_at, people[employee], people[manager], case.version
            )
            return [
                note(
                    p,
                    "Career conversation scheduled",
                    f"Career conversation on {people[p].local(case.meeting_at)}",
                    invite,
                )
                for p in (employee, manager)
            ]
        if kind is C.MeetingDeclined:
            return [note(employee, "Meeting request declined", event.reason)]
        if kind is C.RecapShared:
            return [note(event.sent_to, "Recap of your career conversation", event.recap.learned)]
        if kind is C.PlanSubmitted:
            return [
                note(
                    manager, f"{employee} submitted a development plan", f"Version {event.version}"
                )
            ]
        if kind is C.ReadjustmentProposed:
            proposer = people[employee].name
            subject = f"{proposer} proposes to readjust a goal"
            return [note(manager, subject, f"{event.goal.specific}\nWhy: {event.reason}")]
        if kind is C.PlanChangesRequested:
            return [note(employee, "Changes requested to your plan", event.comments)]
        if kind is C.PlanApproved:
            return [note(employee, "Your development plan is approved", f"Version {event.version}")]
        if kind is C.CheckInDue:
            body = f"Check-in {event.number} is due"
            return [note(p, "Check-in due", body) for p in (employee, manager)]
        if kind is C.CheckInMissed:
            return [
                note(p, "Check-in missed", f"Check-in {event.number}") for p in (employee, manager)
            ]
        if kind is ActionItem.ActionItemOverdue:
            item = self.app.get_action_item(event.originator_id)
            return [note(item.owner_id, "Action item overdue", item.title)]
        return []

    def _case_of(self, event: Any) -> DevelopmentCase | None:
        """The case as it was right after the event (a later reschedule does not leak in)."""
        if isinstance(event, DevelopmentCase.Event):
            return self.app.case_as_of(event.originator_id, version=event.originator_version)
        if isinstance(event, ActionItem.ActionItemOverdue):
            return self.app.get_case(self.app.get_action_item(event.originator_id).case_id)
        return None

    def send(self, notification: Notification) -> None:
        contact = self.directory.contact(notification.recipient_id)
        for channel in self.channels:
            try:
                channel.send(notification, contact)
            except Exception:
                log.exception("%s could not deliver %s", channel.name, notification.key)

    def handle(self, batch: Sequence[Delivery]) -> int:
        sent = 0
        for delivery in batch:
            for notification in self.notifications(delivery):
                self.send(notification)
                sent += 1
        return sent

    def run(self, stop: threading.Event, name: str = "notifier") -> None:
        """Follow the log until ``stop`` is set; never stopped for good by one event.

        An event whose messages cannot be made is set aside (``eventlog.set_aside``); an
        outage is waited out with backoff, and the notifier resumes from its position.
        """
        pause = 0.5
        while not stop.is_set():
            try:
                self._follow(stop, name)
            except Exception as exc:
                log.warning("%s stopped (%s); starting again in %.1f s", name, exc, pause)
                stop.wait(pause)
                pause = min(pause * 2, 30.0)

    def _follow(self, stop: threading.Event, name: str) -> None:
        tracking = TrackingStore(self.app, name)
        set_aside = SetAside(self.app, name)
        with LogFollower(self.app, name, tracking=tracking, topics=NOTIFIED_TOPICS) as follower:
            while not stop.is_set():
                retry_requested(self.app, set_aside, lambda d: self.handle([d]))
                batch = follower.next_batch(200, 0.2)
                if batch:
                    handle_guarded(
                        batch,
                        handle_batch=self.handle,
                        handle_one=lambda d: self.handle([d]),
                        skip=lambda d: None,
                        set_aside=set_aside,
                    )
                    tracking.record(batch[-1].position)
