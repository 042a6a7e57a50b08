"""The audit trail as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from domain.history import HistoryEntry


class HistoryEntryPublic(BaseModel):
    aggregate: str
    aggregate_id: UUID
    version: int
    event: str
    actor: str
    occurred_at: datetime
    idempotency_key: str | None = None
    payload: dict[str, Any]

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryPublic:
        return cls.model_validate(entry, from_attributes=True)
