"""The events of every aggregate, named once by class, and the facts consumers share.

Each consumer of the log declares the events it acts on from its own handler table:
the read models (``ReadModel.handled``), the relay (``workflows.relay.ROUTES``), the
notifier (``notifications.composers.told_events``). What lives here is what the
domain itself knows about events: which moves a case to which phase
(``PHASE_AFTER``), which move a deadline (the relay's sets, from the facts the deadline
rule reads), and which are kept for the audit trail alone (``AUDIT_ONLY``).
``tests/unit/test_subscriptions.py`` holds every event to being acted on by some
consumer or kept for the audit trail alone, never both.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain import case_events as ev
from domain.action_item import ActionItem
from domain.base import CareerAggregate
from domain.case import DevelopmentCase as Case
from domain.cycle import Cycle, CycleCatalog
from domain.deadlines import FACT_TAKERS
from domain.framework import FrameworkBook
from domain.phases import Phase
from domain.roster import Roster

EventClass = type
"""An event class (created-events and ordinary events alike)."""

AGGREGATES: tuple[type[CareerAggregate], ...] = (
    Case,
    ActionItem,
    Cycle,
    CycleCatalog,
    Roster,
    FrameworkBook,
)


def events_of(aggregate: type[CareerAggregate]) -> frozenset[EventClass]:
    """Every event class an aggregate records (its own and the inherited ones)."""
    found: set[EventClass] = set()
    for name in dir(aggregate):
        value = getattr(aggregate, name)
        if (
            isinstance(value, type)
            and issubclass(value, (CareerAggregate.Event, CareerAggregate.Created))
            and name not in ("Event", "Created")
        ):
            found.add(value)
    return frozenset(found)


ALL_EVENTS: frozenset[EventClass] = frozenset().union(*(events_of(a) for a in AGGREGATES))


def _leads_to(cls: EventClass) -> Phase | None:
    phase: Phase | None = getattr(cls, "leads_to", None)
    return phase


PHASE_AFTER: Mapping[EventClass, Phase] = {
    cls: phase
    for cls in sorted(events_of(Case), key=lambda c: c.__name__)
    if (phase := _leads_to(cls)) is not None
}
"""Which case event leads to which phase (declared by each event's ``leads_to``)."""

PHASE_AFTER_NAME: Mapping[str, Phase] = {cls.__name__: p for cls, p in PHASE_AFTER.items()}
"""The same, by the event name the relay hands to workflows."""

REMINDERS: frozenset[EventClass] = frozenset({Case.ReminderSent, ActionItem.ReminderSent})
ESCALATIONS: frozenset[EventClass] = frozenset({Case.Escalated, ActionItem.Escalated})
"""Each followed aggregate has its own reminder and escalation classes (same fields)."""

# --- events that move a deadline (the relay sends them to the workflows) ---------------

CASE_DEADLINE_EVENTS: frozenset[EventClass] = frozenset(
    {
        ev.CaseOpened,
        *(e for e in events_of(Case) if e.__name__ in FACT_TAKERS),
        *PHASE_AFTER,
        ev.CheckInDue,
        ev.CheckInHeld,
        ev.CheckInMissed,
    }
)
"""Everything the deadline rule's facts (``FACT_TAKERS``) and the check-ins follow."""
ITEM_DEADLINE_EVENTS: frozenset[EventClass] = frozenset(
    {
        ActionItem.ActionItemAgreed,
        ActionItem.ActionItemRescheduled,
        ActionItem.ActionItemCompleted,
        ActionItem.ActionItemCancelled,
    }
)
CYCLE_DEADLINE_EVENTS: frozenset[EventClass] = frozenset(
    {Cycle.CycleOpened, Cycle.CycleClosed, Cycle.CycleDataExpired}
)

ROSTER_EVENTS: frozenset[EventClass] = frozenset({Roster.RosterImported})
"""Only the roster's read model reads these (a 100,000-person import is large)."""

AUDIT_ONLY: frozenset[EventClass] = frozenset(
    {
        ev.ActionItemAdded,  # the item's own ActionItemAgreed is what consumers follow
        ev.NoteAdded,  # a note's text reaches nobody but its readers: no consumer at all
        Cycle.CycleCreated,
        Cycle.PolicyAmended,
        Cycle.PopulationEnrolled,
        CycleCatalog.CatalogStarted,
        CycleCatalog.CycleListed,
        Roster.RosterStarted,
        Roster.AbsenceRecorded,  # read from the roster itself (``Roster.away_at``)
        Roster.AbsenceEnded,
        FrameworkBook.FrameworkStarted,
    }
)
"""Recorded for the audit trail and as-of queries; no consumer acts on them."""
