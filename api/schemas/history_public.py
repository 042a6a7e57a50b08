"""The audit trail as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from application.history import HistoryEntry


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
    def of(cls, entry: HistoryEntry, *, sees_authors: bool = True) -> HistoryEntryPublic:
        """The entry; anonymous peer feedback without its author unless ``sees_authors``."""
        public = cls.model_validate(entry, from_attributes=True)
        if not sees_authors and entry.payload.get("anonymous") is True:
            payload = {k: v for k, v in entry.payload.items() if k != "peer_id"}
            public = public.model_copy(update={"actor": ANONYMOUS, "payload": payload})
        return public


ANONYMOUS = "anonymous"
"""The author anonymous peer feedback shows to everyone but HR admins and auditors."""
