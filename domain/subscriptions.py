"""Which events each consumer of the log cares about, named once, by class.

The relay, the notifier, the deadline engine and the read models select and
interpret events through these sets (never through event names written as
strings), so renaming or adding an event is caught by mypy and by
``tests/unit/test_subscriptions.py``, which holds the rule:

* every event class of every aggregate is in at least one consumer set, or in
  ``AUDIT_ONLY`` (recorded for the audit trail and as-of queries alone) — never
  in both;
* every event that moves a case to another phase (``PHASE_AFTER``) moves a
  deadline and changes the case-status read model, so it is in
  ``CASE_DEADLINE_EVENTS`` and ``CASE_STATUS_EVENTS``.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain import case_events as ev
from domain.action_item import ActionItem
from domain.base import CareerAggregate
from domain.case import DevelopmentCase as Case
from domain.cycle import Cycle, CycleCatalog
from domain.phases import Phase
from domain.roster import Roster

EventClass = type
"""An event class (created-events and ordinary events alike)."""

AGGREGATES: tuple[type[CareerAggregate], ...] = (Case, ActionItem, Cycle, CycleCatalog, Roster)


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

# --- the relay: events that move a deadline (sent to the workflows) -------------------

CASE_DEADLINE_EVENTS: frozenset[EventClass] = frozenset(
    {
        ev.CaseOpened,
        ev.SelfAssessmentRecorded,
        *PHASE_AFTER,
        ev.CheckInDue,
        ev.CheckInHeld,
        ev.CheckInMissed,
    }
)
ITEM_DEADLINE_EVENTS: frozenset[EventClass] = frozenset(
    {
        ActionItem.ActionItemAgreed,
        ActionItem.ActionItemRescheduled,
        ActionItem.ActionItemCompleted,
        ActionItem.ActionItemCancelled,
    }
)
CYCLE_DEADLINE_EVENTS: frozenset[EventClass] = frozenset({Cycle.CycleOpened, Cycle.CycleClosed})
RELAYED_EVENTS = CASE_DEADLINE_EVENTS | ITEM_DEADLINE_EVENTS | CYCLE_DEADLINE_EVENTS

# --- the notifier: events somebody is told about ---------------------------------------

NOTIFIED_EVENTS: frozenset[EventClass] = frozenset(
    {
        *REMINDERS,
        *ESCALATIONS,
        ev.PeerFeedbackRequested,
        ev.MeetingRequested,
        ev.MeetingAccepted,
        ev.MeetingRescheduled,
        ev.MeetingDeclined,
        ev.AgendaShared,
        ev.RecapShared,
        ev.PlanSubmitted,
        ev.PlanChangesRequested,
        ev.PlanApproved,
        ev.ReadjustmentProposed,
        ev.CheckInDue,
        ev.CheckInMissed,
        ActionItem.ActionItemOverdue,
        ev.CaseClosed,  # a meeting still ahead is cancelled
    }
)

# --- the read models --------------------------------------------------------------------

CASE_STATUS_EVENTS: frozenset[EventClass] = frozenset(
    {
        ev.CaseOpened,
        *PHASE_AFTER,
        ev.SelfAssessmentRecorded,
        ev.GoalReadjusted,
        ev.ManagerChanged,
        ev.CheckInHeld,
        ev.CheckInMissed,
    }
)
ACTION_ITEM_EVENTS: frozenset[EventClass] = ITEM_DEADLINE_EVENTS | {
    ActionItem.ActionItemOverdue,
    ActionItem.Escalated,
}
ROSTER_EVENTS: frozenset[EventClass] = frozenset({Roster.RosterImported})
LEDGER_GOAL_EVENTS: frozenset[EventClass] = frozenset(
    {
        ev.GoalProposed,
        ev.PlanDrafted,
        ev.PlanSubmitted,
        ev.PlanApproved,
        ev.PlanChangesRequested,
        ev.GoalProgressRecorded,
        ev.CheckInHeld,
        ev.GoalReadjusted,
        ev.ReadjustmentProposed,
    }
)
LEDGER_EVENTS: frozenset[EventClass] = (
    LEDGER_GOAL_EVENTS
    | ITEM_DEADLINE_EVENTS
    | {ActionItem.ActionItemOverdue, ActionItem.Escalated, ActionItem.ReminderSent}
)
TASK_EVENTS: frozenset[EventClass] = frozenset(
    {
        ev.CaseOpened,
        *PHASE_AFTER,
        ev.SelfAssessmentRecorded,
        ev.AgendaShared,
        ev.FeedbackGiven,
        ev.RecapShared,
        ev.PeerFeedbackRequested,
        ev.PeerFeedbackReceived,
        ev.CheckInDue,
        ev.CheckInHeld,
        ev.CheckInMissed,
        ev.ManagerChanged,
        ev.ReadjustmentProposed,
        Case.Escalated,
        *ITEM_DEADLINE_EVENTS,
        ActionItem.Escalated,
    }
)
"""What changes somebody's open tasks (``domain.open_tasks``, ``projections.tasks``)."""
READ_MODEL_EVENTS = (
    CASE_STATUS_EVENTS | ACTION_ITEM_EVENTS | ROSTER_EVENTS | LEDGER_EVENTS | TASK_EVENTS
)

CONSUMED = RELAYED_EVENTS | NOTIFIED_EVENTS | READ_MODEL_EVENTS

AUDIT_ONLY: frozenset[EventClass] = frozenset(
    {
        ev.ActionItemAdded,  # the item's own ActionItemAgreed is what consumers follow
        Cycle.CycleCreated,
        Cycle.PolicyAmended,
        Cycle.PopulationEnrolled,
        CycleCatalog.CatalogStarted,
        CycleCatalog.CycleListed,
        Roster.RosterStarted,
    }
)
"""Recorded for the audit trail and as-of queries; no consumer acts on them."""
