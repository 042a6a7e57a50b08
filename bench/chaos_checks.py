"""What the chaos run checks afterwards, each against the event log as the truth.

* commands: every command a client was told succeeded is in the log exactly once;
* timers: every reminder and escalation the deadline engine says was due by now
  (for the case as it ended, with someone on the rung) is in the log, none twice;
* notifications: every message the log calls for (the notifier's own composers run
  over the whole log), per event and recipient, is in the inbox once and went out by
  e-mail; an e-mail twice only where a notifier was killed in the send's one-round-trip
  window (at-least-once, ``notifications.sent_ledger``);
* read models: each live table equals a rebuild of it from the whole log.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Engine, text
from temporalio.client import Client

from application.service import CareerFlow
from domain import case_events as ev
from domain import subscriptions
from domain.base import escalation_recipient, split_key
from domain.case import DevelopmentCase
from eventlog.follower import Delivery, read_after
from notifications.channels import Directory
from notifications.composers import told_events
from notifications.notifier import Notifier
from projections.catalog import read_models
from projections.rebuild import _drop
from projections.runner import ProjectionRunner, SqlPosition, install
from workflows.deadline_engine import CaseView
from workflows.relay import Relay


@dataclass(frozen=True)
class Acknowledged:
    """A command a client sent and was told succeeded (2xx)."""

    number: int
    case_id: str
    kind: str  # "goal" or "self-assessment"
    goal_id: str | None = None

    @property
    def key(self) -> str:
        """The Idempotency-Key it was sent (and retried) with."""
        return f"chaos-{self.number}"


def whole_log(app: CareerFlow) -> list[Delivery]:
    deliveries: list[Delivery] = []
    while batch := read_after(app, deliveries[-1].position if deliveries else 0, 5000):
        deliveries += batch
    return deliveries


def by_case(log: list[Delivery]) -> dict[UUID, list[Delivery]]:
    cases: dict[UUID, list[Delivery]] = defaultdict(list)
    for delivery in log:
        if isinstance(delivery.event, DevelopmentCase.Event):
            cases[delivery.event.originator_id].append(delivery)
    return cases


def stored_commands(log: list[Delivery], acknowledged: list[Acknowledged]) -> dict[str, int]:
    """How many acknowledged commands are stored once, not at all, or more than once.

    A command's event carries its idempotency key: a retry that was applied again would
    show as a second event with the same key.
    """
    stored: Counter[str] = Counter()
    for delivery in log:
        event = delivery.event
        commanded = ev.GoalProposed | ev.SelfAssessmentRecorded
        if isinstance(event, commanded) and event.idempotency_key is not None:
            stored[split_key(event.idempotency_key)[0]] += 1
    once = lost = twice = 0
    for ack in acknowledged:
        count = stored[ack.key]
        once += count == 1
        lost += count == 0
        twice += count > 1
    return {"acknowledged": len(acknowledged), "stored once": once, "lost": lost, "twice": twice}


@dataclass
class TimerCounts:
    expected: int = 0
    recorded: int = 0
    missing: int = 0
    duplicated: int = 0
    extra: int = 0
    """Recorded although the case ended up not needing it (the work was done meanwhile)."""


@dataclass
class TimerReport:
    rows: dict[str, TimerCounts] = field(default_factory=lambda: defaultdict(TimerCounts))

    @property
    def missing(self) -> int:
        return sum(r.missing for r in self.rows.values())

    @property
    def duplicated(self) -> int:
        return sum(r.duplicated for r in self.rows.values())


RUNG_NAMES = {1: "manager", 2: "skip-level", 3: "HR partner"}


def _label(deadline: str, rung: int | None) -> str:
    return f"{deadline}: reminder" if rung is None else f"{deadline}: rung {RUNG_NAMES[rung]}"


def timers(app: CareerFlow, log: list[Delivery], now: datetime) -> TimerReport:
    """Reminders and escalations due by ``now``, per deadline and rung, against the log."""
    relay = Relay(app, cast(Client, None), "")
    report = TimerReport()
    for case_id, deliveries in by_case(log).items():
        view = CaseView(case_id=case_id)
        recorded: Counter[tuple[str, int | None]] = Counter()
        participants = None
        for delivery in deliveries:
            event: Any = delivery.event
            if isinstance(event, ev.CaseOpened):
                participants = event.participants  # the roster does not change during the run
            if type(event) in subscriptions.CASE_DEADLINE_EVENTS:
                view.accept(relay.message(delivery)[2])
            if isinstance(event, DevelopmentCase.ReminderSent):
                recorded[(event.deadline, None)] += 1
            elif isinstance(event, DevelopmentCase.Escalated):
                recorded[(event.deadline, int(event.rung))] += 1
        if participants is None:
            continue
        expected: set[tuple[str, int | None]] = set()
        for action in view.actions():
            if action.at > now or action.kind not in ("remind", "escalate"):
                continue
            if action.kind == "remind":
                expected.add((action.deadline, None))
            elif action.rung and escalation_recipient(participants, action.rung) is not None:
                expected.add((action.deadline, int(action.rung)))
        for key in expected | set(recorded):
            row = report.rows[_label(*key)]
            count = recorded[key]
            row.expected += key in expected
            row.recorded += count
            row.missing += key in expected and count == 0
            row.duplicated += count > 1
            row.extra += key not in expected and count > 0
    return report


def expected_messages(app: CareerFlow, log: list[Delivery], directory: Directory) -> dict[str, str]:
    """Every message the log calls for (its key) and the kind of event that called for it:
    the notifier's own composers, sending nothing."""
    composer = Notifier(app, [], directory)
    expected: dict[str, str] = {}
    for delivery in log:
        if type(delivery.event) in told_events():
            kind = type(delivery.event).__name__
            expected.update((str(n.key), kind) for n in composer.notifications(delivery))
    return expected


def inbox_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {str(k) for (k,) in conn.execute(text("SELECT id FROM inbox"))}


KILL_BEFORE_ARRIVAL = 1.0
"""Seconds a kill's recorded time may precede the first copy's arrival (it is noted just
before the signal, and the two clocks are different processes' reads of the same one)."""


def resent_at_a_kill(arrivals: list[tuple[float, str]], kills: list[float]) -> set[str]:
    """Repeated e-mails each explained by a kill -9 of a notifier of its own.

    E-mail is at-least-once: a notifier killed after the SMTP server accepted a message
    and before its claim committed (one round trip) leaves it unrecorded, and it goes
    out again. Such a repeat comes in twice, with a notifier kill between the copies,
    and one kill can explain one message (it sends one at a time). Any other repeat is
    a fault of careerflow's.
    """
    times: dict[str, list[float]] = defaultdict(list)
    for at, key in arrivals:
        times[key].append(at)
    repeats = sorted(
        ((sorted(t), key) for key, t in times.items() if len(t) == 2), key=lambda r: r[0][1]
    )
    unused = sorted(kills)
    explained: set[str] = set()
    for (first, again), key in repeats:
        for kill in unused:
            if first - KILL_BEFORE_ARRIVAL <= kill <= again:
                unused.remove(kill)
                explained.add(key)
                break
    return explained


@dataclass
class MessageRow:
    """Messages one kind of event called for, each one per event and recipient."""

    due: int = 0
    in_inbox: int = 0
    emailed: int = 0
    twice: int = 0
    twice_at_a_kill: int = 0


@dataclass
class NotificationReport:
    rows: dict[str, MessageRow] = field(default_factory=lambda: defaultdict(MessageRow))
    inbox_unexpected: int = 0
    emails_unexpected: int = 0
    emails_received: int = 0

    def totals(self) -> dict[str, int]:
        rows = self.rows.values()
        due = sum(r.due for r in rows)
        return {
            "messages due": due,
            "in the inbox": sum(r.in_inbox for r in rows),
            "inbox missing": due - sum(r.in_inbox for r in rows),
            "inbox unexpected": self.inbox_unexpected,
            "e-mails received": self.emails_received,
            "e-mails missing": due - sum(r.emailed for r in rows),
            "e-mails unexpected": self.emails_unexpected,
            "e-mails twice": sum(r.twice for r in rows),
            "twice, at a notifier's kill": sum(r.twice_at_a_kill for r in rows),
        }


def notifications(
    engine: Engine,
    arrivals: list[tuple[float, str]],
    expected: dict[str, str],
    notifier_kills: list[float],
) -> NotificationReport:
    """Per kind of event: the messages the log calls for against the inbox and the e-mails
    the SMTP sink got (each key is one event and one recipient)."""
    inbox = inbox_keys(engine)
    received = Counter(key for _, key in arrivals)
    at_a_kill = resent_at_a_kill(arrivals, notifier_kills)
    report = NotificationReport(
        inbox_unexpected=len(inbox - set(expected)),
        emails_unexpected=len(set(received) - set(expected)),
        emails_received=sum(received.values()),
    )
    for key, kind in expected.items():
        row = report.rows[kind]
        row.due += 1
        row.in_inbox += key in inbox
        row.emailed += key in received
        row.twice += received[key] > 1
        row.twice_at_a_kill += key in at_a_kill
    return report


def read_models_against_rebuild(app: CareerFlow, engine: Engine) -> list[tuple[str, int, int, int]]:
    """(table, live rows, rebuilt rows, rows in one and not the other) per read-model table."""
    results = []
    for model in read_models():
        live = install(engine, model)
        check = live.with_version(live.version + 100)
        _drop(engine, check)
        ProjectionRunner(app, engine, check, building=True).catch_up()
        with engine.connect() as conn:
            for key, table in live.tables.items():
                other = check.tables[key]
                count = f'SELECT count(*) FROM "{table.name}"'
                differ = (
                    f'SELECT count(*) FROM ((SELECT t::text FROM "{table.name}" t EXCEPT ALL '
                    f'SELECT o::text FROM "{other.name}" o) UNION ALL '
                    f'(SELECT o::text FROM "{other.name}" o EXCEPT ALL '
                    f'SELECT t::text FROM "{table.name}" t)) d'
                )
                results.append(
                    (
                        key,
                        int(conn.execute(text(count)).scalar_one()),
                        int(
                            conn.execute(text(f'SELECT count(*) FROM "{other.name}"')).scalar_one()
                        ),
                        int(conn.execute(text(differ)).scalar_one()),
                    )
                )
        _drop(engine, check)
    return results


def projector_positions(engine: Engine) -> dict[str, int]:
    return {
        model.name: SqlPosition(engine, install(engine, model).tracking_name).position()
        for model in read_models()
    }
