"""What crosses the Temporal boundary: signals, workflow inputs, activity arguments.

All pydantic models, carried by ``pydantic_data_converter``. Kept free of side
effects so Temporal's sandbox can re-import them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.values import Party, Rung


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)


class LogEvent(Message):
    """One domain event as the relay delivers it to a workflow.

    ``id`` is the event's notification id: strictly increasing in commit order,
    so a workflow ignores any id not greater than the last it applied.
    """

    id: int
    aggregate_id: UUID
    name: str
    actor: str
    occurred_at: datetime
    data: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(
        default_factory=dict, description="what the relay adds (an item's case policy)"
    )


class CloseCycle(Message):
    cycle_id: UUID
    at: datetime


class CaseTimer(Message):
    """A timer step on a case, taken at ``at``."""

    case_id: UUID
    at: datetime


class CaseFollowUp(CaseTimer):
    """A reminder (to the deadline's owner) or an escalation (to a rung of the ladder)."""

    deadline: str
    reason: str
    owner: Party | None = None
    rung: Rung | None = None
    due_at: datetime | None = None


class CheckInTimer(CaseTimer):
    number: int
    due_at: datetime


class ItemTimer(Message):
    item_id: UUID
    reason: str
    at: datetime
    rung: Rung | None = None


class CaseSummary(Message):
    case_id: UUID
    phase: str
    actions_taken: int


class ItemSummary(Message):
    item_id: UUID
    status: str
    actions_taken: int


class DigestEntry(Message):
    """One escalation a digest will hold (its event id), and the digest's time."""

    event_id: int
    send_at: datetime


class DigestStart(Message):
    recipient_id: str
    pending: list[DigestEntry] = Field(default_factory=list)
    sent: list[int] = Field(default_factory=list)


class DigestSend(Message):
    recipient_id: str
    event_ids: list[int]
