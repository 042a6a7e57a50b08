"""Workflow inputs (what a run starts with, and what it continues as new with).

Defined here, outside the workflow modules, so Temporal's sandbox passes them
through instead of rebuilding these pydantic classes for every workflow run. A
start carries the aggregate's id only; the relay's signals bring the rest.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from workflows.deadline_engine import CaseView, CycleView, ItemView
from workflows.payloads import LogEvent

HISTORY_LIMIT = 2_000
"""Continue as new past this many history events (Temporal's hard limit is 51,200)."""


class FollowStart(BaseModel):
    """Which aggregate a workflow follows, and what a continued run carries over."""

    aggregate_id: UUID
    inbox: list[LogEvent] = Field(default_factory=list)
    history_limit: int = HISTORY_LIMIT


class CaseStart(FollowStart):
    view: CaseView | None = None


class ItemStart(FollowStart):
    view: ItemView | None = None


class CycleStart(FollowStart):
    view: CycleView | None = None
