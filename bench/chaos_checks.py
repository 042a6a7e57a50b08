"""What the chaos run checks afterwards, each against the event log as the truth.

* commands: every command a client was told succeeded is in the log exactly once;
* timers: every reminder and escalation the deadline engine says was due by now
  (for the case as it ended, with someone on the rung) is in the log, none twice;
* notifications: every inbox message went out by e-mail, none twice;
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

from domain import subscriptions
from domain.application import CareerFlow
from domain.base import escalation_recipient, split_key
from domain.case import DevelopmentCase
from eventlog.follower import Delivery, read_after
from projections.catalog import read_models
from projections.rebuild import _drop
from projections.runner import ProjectionRunner, SqlPosition, install
from workflows.deadlines import CaseView
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
        commanded = DevelopmentCase.GoalProposed | DevelopmentCase.SelfAssessmentRecorded
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
            if isinstance(event, DevelopmentCase.CaseOpened):
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


def notifications(engine: Engine, received: Counter[str]) -> dict[str, int]:
    """Inbox messages (keyed by event and recipient) against the e-mails the sink got."""
    with engine.connect() as conn:
        inbox = {str(k) for (k,) in conn.execute(text("SELECT id FROM inbox"))}
        events = conn.execute(
            text("SELECT count(DISTINCT (event_id, recipient_id)) FROM inbox")
        ).scalar_one()
    return {
        "inbox messages": len(inbox),
        "distinct (event, recipient)": int(events),
        "e-mails received": sum(received.values()),
        "e-mails missing": len(inbox - set(received)),
        "e-mails twice": sum(1 for count in received.values() if count > 1),
    }


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
