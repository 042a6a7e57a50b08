"""Workflow inputs (what a run starts with, and what it continues as new with).

Defined here, outside the workflow modules, so Temporal's sandbox passes them
through instead of rebuilding these pydantic classes for every workflow run.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from workflows.deadlines import CaseView, ItemView
from workflows.messages import CycleStart, LogEvent

HISTORY_LIMIT = 2_000
"""Continue as new past this many history events (Temporal's hard limit is 51,200)."""


class CaseStart(BaseModel):
    case_id: UUID
    view: CaseView | None = None
    inbox: list[LogEvent] = Field(default_factory=list)
    history_limit: int = HISTORY_LIMIT


class ItemStart(BaseModel):
    item_id: UUID
    view: ItemView | None = None
    inbox: list[LogEvent] = Field(default_factory=list)
    history_limit: int = HISTORY_LIMIT


class CycleState(BaseModel):
    closed: bool = False
    last_event_id: int = 0
    opened_cases: int = 0


class CycleRun(BaseModel):
    """The input of a continued run: no population, only what was learned."""

    start: CycleStart
    state: CycleState = Field(default_factory=CycleState)
