"""The notifier: follows the log and tells people what concerns them, on every channel.

It reuses the log follower (its own tracking position) and the notification
port. Delivery is at-least-once: a restart may re-send the last batch; the inbox
drops the duplicate, e-mail and webhooks may repeat it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeAlias
from uuid import UUID

from application.service import CareerFlow
from domain import case_events as ev
from domain.action_item import ActionItem
from domain.case import DevelopmentCase
from domain.phases import Phase
from eventlog.backoff import Backoff
from eventlog.follower import Delivery, LogFollower, TrackingStore
from eventlog.set_aside import SetAside, handle_guarded, is_outage, retry_requested
from eventlog.topics import topics_of
from notifications import composers, translations
from notifications.channels import (
    NOTIFICATIONS,
    BatchChannel,
    Channel,
    Contact,
    Directory,
    Notification,
)
from notifications.sent_ledger import SentLedger

log = logging.getLogger(__name__)

CASE_LINK = "/api/v1/cases/{id}"
ITEM_LINK = "/api/v1/action-items/{id}"
"""Where a message points (the API until the web pages exist)."""


def link_to(event: Any) -> str:
    template = ITEM_LINK if isinstance(event, ActionItem.Event) else CASE_LINK
    return template.format(id=event.originator_id)


SENDERS = 8
"""Messages sent at once: each waits on its channel (an SMTP server's reply, the sent
ledger's commit), so one at a time left the notifier idle most of a storm."""

KnownCases: TypeAlias = Mapping[tuple[UUID, int], DevelopmentCase]
"""Cases as of versions, read for a batch at once (``Notifier.read_cases``)."""

RECORD_PATIENCE = 20.0
"""Seconds a stopping notifier keeps trying to record a message it sent during an
outage (inside Kubernetes' default 30 s grace before it kills the pod)."""


class _NotSent(Exception):
    """A channel failed to send (its cause attached); the claim on the message is undone."""


ScheduleDigest = Callable[[str, int, datetime], None]
"""(recipient, event id, digest time): add an escalation to the recipient's next digest."""


class Notifier:
    def __init__(
        self,
        app: CareerFlow,
        channels: Sequence[Channel],
        directory: Directory,
        schedule_digest: ScheduleDigest | None = None,
        ledger: SentLedger | None = None,
        senders: int = SENDERS,
    ) -> None:
        self.app = app
        self.ledger = ledger
        """Outside channels look here first, so a restart does not send a message twice."""
        self.channels = list(channels)
        self.directory = directory
        self.schedule_digest = schedule_digest
        """Without it (no Temporal), escalations are sent at once on every channel."""
        self._cycle_names: dict[UUID, str] = {}
        self._stopping = threading.Event()
        self._backoff = Backoff()
        self.told = composers.told_events()
        """The events this notifier acts on (its composer table, read when it is made)."""
        self._senders = ThreadPoolExecutor(senders, thread_name_prefix="notifier-send")
        self._scheduling = threading.Lock()

    def notifications(
        self, delivery: Delivery, known: KnownCases | None = None
    ) -> list[Notification]:
        """Who hears of this event, and what they are told (``notifications.composers``);
        ``known`` holds cases as of versions already read (``read_cases``)."""
        event: Any = delivery.event
        kind = type(event)
        if kind not in self.told:
            return []
        if kind is ev.CaseClosed and event.phase_at_close != Phase.MEETING_SCHEDULED:
            return []  # only a meeting still ahead has something to cancel
        about = self._about(delivery, known or {})
        if about is None:
            return []
        if kind in composers.CANCELLING:
            before = self._case_as_of(about.case.id, event.originator_version - 1, known or {})
            scheduled = composers.scheduled_before(before)
            return in_their_languages(
                lambda: composers.CANCELLING[kind](about, scheduled), about.contact
            )
        return in_their_languages(lambda: composers.COMPOSERS[kind](about), about.contact)

    def read_cases(self, batch: Sequence[Delivery]) -> KnownCases:
        """The cases the batch's messages are about, as of their events (and, for a
        cancellation, just before): read in one query rather than one per message."""
        wanted: set[tuple[UUID, int]] = set()
        for delivery in batch:
            event: Any = delivery.event
            if isinstance(event, DevelopmentCase.Event) and type(event) in self.told:
                wanted.add((event.originator_id, event.originator_version))
                if type(event) in composers.CANCELLING and event.originator_version > 1:
                    wanted.add((event.originator_id, event.originator_version - 1))
        return self.app.cases_as_of(wanted) if wanted else {}

    def _case_as_of(self, case_id: UUID, version: int, known: KnownCases) -> DevelopmentCase:
        found = known.get((case_id, version))
        return found if found is not None else self.app.case_as_of(case_id, version=version)

    def _about(self, delivery: Delivery, known: KnownCases) -> composers.About | None:
        """The event with the case as it was right after it (a later move does not leak in)."""
        event: Any = delivery.event
        item = None
        if isinstance(event, ActionItem.Event):
            item = self.app.get_action_item(event.originator_id)
            case = self.app.get_case(item.case_id)
        elif isinstance(event, DevelopmentCase.Event):
            case = self._case_as_of(event.originator_id, event.originator_version, known)
        else:
            return None
        return composers.About(
            event=event,
            position=delivery.position,
            link=link_to(event),
            case=case,
            cycle_name=self._cycle_name(case.cycle_id),
            contact=self.directory.contact,
            item=item,
        )

    def _cycle_name(self, cycle_id: UUID) -> str:
        """Cycles are few and their names never change: kept after the first look."""
        if cycle_id not in self._cycle_names:
            self._cycle_names[cycle_id] = self.app.get_cycle(cycle_id).name
        return self._cycle_names[cycle_id]

    def send(self, notification: Notification, channels: Sequence[Channel] | None = None) -> None:
        """Every channel (or ``channels``); an escalation for a digest goes to the inbox now,
        the rest later.

        If the digest cannot be scheduled (Temporal out of reach), the escalation goes
        out at once on every channel: late news in two messages beats none.
        """
        contact = self.directory.contact(notification.recipient_id)
        chosen = list(self.channels if channels is None else channels)
        now, later = chosen, []
        if notification.digest_at is not None and self.schedule_digest is not None:
            now = [c for c in chosen if c.name == "inbox"]
            later = [c for c in chosen if c.name != "inbox"]
        self._deliver(notification, contact, now)
        if not later or self.schedule_digest is None or notification.digest_at is None:
            return
        try:
            with self._scheduling:  # one at a time: concurrent starts of one digest race
                self.schedule_digest(
                    notification.recipient_id, notification.event_id, notification.digest_at
                )
        except Exception as exc:
            log.warning("no digest for %s (%s): sending at once", notification.key, exc)
            self._deliver(notification, contact, later)

    def _deliver(
        self, notification: Notification, contact: Contact, channels: list[Channel]
    ) -> None:
        """Each channel once. The database being away (the inbox, the sent ledger) stops the
        batch, which is handled again when it is back; any other failure of a channel (an SMTP
        server refusing) is logged and counted, and the other channels still deliver."""
        for channel in channels:
            ledger = None if channel.name == "inbox" else self.ledger  # the inbox is keyed
            accepted = False
            try:
                if ledger is None:
                    self._send_on(channel, notification, contact)
                else:
                    with ledger.claim(notification.key, channel.name) as claimed:
                        if not claimed:
                            NOTIFICATIONS.labels(channel.name, "repeat").inc()
                            continue
                        self._send_on(channel, notification, contact)
                        accepted = True
            except _NotSent as failed:
                NOTIFICATIONS.labels(channel.name, "failed").inc()
                cause = failed.__cause__
                if channel.name == "inbox" and cause is not None and is_outage(cause):
                    raise cause from None  # the batch is handled again once it is back
                log.error("%s could not deliver %s: %s", channel.name, notification.key, cause)
                continue
            except Exception as exc:
                if not (accepted and ledger is not None and is_outage(exc)):
                    raise
                self._record_when_back(ledger, notification.key, channel.name)
            NOTIFICATIONS.labels(channel.name, "sent").inc()

    def _record_when_back(self, ledger: SentLedger, key: UUID, channel: str) -> None:
        """Sent, but the claim's commit failed: record it before anything else, or it goes twice.

        Being asked to stop does not end the wait at once: the outage that broke the commit
        usually broke the follower's lock too, and the replica taking over sends whatever
        is not recorded once PostgreSQL is back. So it keeps trying while stopping, for
        ``RECORD_PATIENCE`` seconds (a shutdown must end), then says what may repeat.
        """
        log.warning("%s sent %s while the database went away: recording it", channel, key)
        deadline: float | None = None
        while True:
            try:
                ledger.record(key, channel)
                log.info("%s: recorded %s as sent", channel, key)
                return
            except Exception as exc:
                if not is_outage(exc):
                    raise
            if self._stopping.is_set():
                deadline = deadline or time.monotonic() + RECORD_PATIENCE
                if time.monotonic() > deadline:
                    log.error("%s: %s could not be recorded as sent; it may repeat", channel, key)
                    return
            time.sleep(0.2)

    @staticmethod
    def _send_on(channel: Channel, notification: Notification, contact: Contact) -> None:
        try:
            channel.send(notification, contact)
        except Exception as exc:
            raise _NotSent() from exc

    def handle(self, batch: Sequence[Delivery]) -> int:
        """Every message the batch calls for, with the people as the directory has them now.

        The cases are read at once, the messages made ``SENDERS`` at a time and kept in
        log order, then sent ``SENDERS`` at a time; the batch
        is handled once every send has finished, and the first failure (an outage)
        is raised after all of them, so the batch is handled again and what was sent
        is skipped by the inbox's key and the sent ledger.
        """
        whole = self.directory
        self.directory = whole.for_batch()
        try:
            erased = self.app.get_roster().erased  # nothing goes to a person erased
            known = self.read_cases(batch)
            made = self._senders.map(lambda d: self.notifications(d, known), batch)
            notifications = [n for ns in made for n in ns if n.recipient_id not in erased]
            self.send_all(notifications)
        finally:
            self.directory = whole
        for delivery in batch:
            if isinstance(delivery.event, ev.PersonalDataErased):
                self.forget(delivery.event.originator_id)
        return len(notifications)

    def forget(self, case_id: UUID) -> int:
        """A case's personal data was erased (a person's erasure, or the cycle's retention):
        every message about it goes from every channel that keeps copies (the inbox, the
        ``.eml`` outbox); how many went."""
        case = self.app.get_case(case_id)
        positions = self.app.positions_of([case_id, *case.action_item_ids])
        forgotten = 0
        for channel in self.channels:
            erase = getattr(channel, "erase_about", None)
            if erase is not None:
                forgotten += erase(positions)
        return forgotten

    def send_all(self, notifications: Sequence[Notification]) -> None:
        """Batch channels first, all at once; then the rest ``SENDERS`` at a time.

        Once every send is done, the first failure is raised (the batch is handled
        again; the inbox's key and the sent ledger skip what already went out).
        """
        batched = [c for c in self.channels if isinstance(c, BatchChannel)]
        for channel in batched:
            self._deliver_many(channel, notifications)
        others = [c for c in self.channels if c not in batched]
        sending = [self._senders.submit(self.send, n, others) for n in notifications]
        failures = [f.exception() for f in sending]
        for failure in failures:
            if failure is not None:
                raise failure

    def _deliver_many(self, channel: BatchChannel, notifications: Sequence[Notification]) -> None:
        """The whole batch in one go; if that fails for any reason but an outage, one by one
        (so one message the channel refuses does not hold back the rest)."""
        if not notifications:
            return
        try:
            channel.send_many([(n, self.directory.contact(n.recipient_id)) for n in notifications])
        except Exception as exc:
            if is_outage(exc):
                raise
            for notification in notifications:
                contact = self.directory.contact(notification.recipient_id)
                self._deliver(notification, contact, [channel])
            return
        NOTIFICATIONS.labels(channel.name, "sent").inc(len(notifications))

    def run(self, stop: threading.Event, name: str = "notifier") -> None:
        """Follow the log until ``stop`` is set; never stopped for good by one event.

        An event whose messages cannot be made is set aside (``eventlog.set_aside``); an
        outage is waited out with backoff, and the notifier resumes from its position.
        """
        self._stopping = stop
        while not stop.is_set():
            try:
                self._follow(stop, name)
            except Exception as exc:
                pause = self._backoff.pause()
                log.warning("%s stopped (%s); starting again in %.1f s", name, exc, pause)
                stop.wait(pause)

    def _follow(self, stop: threading.Event, name: str) -> None:
        tracking = TrackingStore(self.app, name)
        set_aside = SetAside(self.app, name)
        with LogFollower(
            self.app, name, tracking=tracking, topics=topics_of(self.told | {ev.PersonalDataErased})
        ) as follower:
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
                self._backoff.reset()


def in_their_languages(
    compose: Callable[[], list[Notification]], contact: Callable[[str], Contact]
) -> list[Notification]:
    """Each message in its recipient's language: composed in English, then again in each
    other language a recipient speaks, keeping that recipient's message (composers are
    pure, so the same event gives the same messages in the same order)."""
    with translations.speaking(translations.DEFAULT):
        notes = compose()
    wanted = {n.recipient_id: translations.negotiate(contact(n.recipient_id).locale) for n in notes}
    for language in set(wanted.values()) - {translations.DEFAULT}:
        with translations.speaking(language):
            spoken = compose()
        notes = [
            again if wanted[note.recipient_id] == language else note
            for note, again in zip(notes, spoken, strict=True)
        ]
    return notes
