"""The phases of a case, and the groups of phases the rules and the deadlines share.

Pure enums (no eventsourcing), so Temporal's sandbox can import this module. Which
event leads to which phase is declared on the event classes themselves
(``leads_to``) and collected in ``domain.subscriptions.PHASE_AFTER``.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    PREPARING = "preparing"
    MEETING_REQUESTED = "meeting_requested"
    MEETING_DECLINED = "meeting_declined"
    MEETING_SCHEDULED = "meeting_scheduled"
    MEETING_HELD = "meeting_held"
    PLAN_DRAFTED = "plan_drafted"
    PLAN_SUBMITTED = "plan_submitted"
    CHANGES_REQUESTED = "changes_requested"
    PLAN_APPROVED = "plan_approved"
    CLOSED = "closed"


BEFORE_MEETING = frozenset(
    {Phase.PREPARING, Phase.MEETING_REQUESTED, Phase.MEETING_DECLINED, Phase.MEETING_SCHEDULED}
)
"""Phases in which preparation is still open."""

MEETING_REQUESTABLE = frozenset({Phase.PREPARING, Phase.MEETING_DECLINED})
"""Phases in which the employee may (and should) request the meeting."""

MEETING_PENDING = frozenset({Phase.MEETING_REQUESTED, Phase.MEETING_SCHEDULED})
"""Phases with a requested or scheduled meeting (an agenda may be shared)."""

PLAN_EDITABLE = frozenset({Phase.MEETING_HELD, Phase.PLAN_DRAFTED, Phase.CHANGES_REQUESTED})
"""Phases in which the employee owes (or edits) the development plan."""


OPEN_PHASES = frozenset(Phase) - {Phase.CLOSED}
"""Phases in which the case still takes steps (notes, say)."""


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


TIMELINE: tuple[tuple[Phase, str], ...] = (
    (Phase.PREPARING, "Prepare"),
    (Phase.MEETING_REQUESTED, "Meeting requested"),
    (Phase.MEETING_SCHEDULED, "Meeting scheduled"),
    (Phase.MEETING_HELD, "Conversation held"),
    (Phase.PLAN_DRAFTED, "Plan drafted"),
    (Phase.PLAN_SUBMITTED, "Plan submitted"),
    (Phase.PLAN_APPROVED, "Plan approved, check-ins"),
    (Phase.CLOSED, "Closed"),
)
"""The process as a timeline, as the case page shows it."""

STEP_BACK: dict[Phase, int] = {Phase.MEETING_DECLINED: 0, Phase.CHANGES_REQUESTED: 3}
"""Phases off the timeline: a declined request or requested changes step back to there."""


def timeline_position(phase: Phase) -> int:
    """Where a phase stands on the timeline (every phase is on it or steps back onto it)."""
    if phase in STEP_BACK:
        return STEP_BACK[phase]
    return next(i for i, (p, _) in enumerate(TIMELINE) if p is phase)
