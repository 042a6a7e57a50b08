"""The audit trail: stored events rendered as plain, JSON-ready entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic_core import to_jsonable_python

from domain.base import split_key

_META = frozenset({"originator_id", "originator_version", "timestamp", "actor", "originator_topic"})


@dataclass(frozen=True)
class HistoryEntry:
    aggregate_id: UUID
    aggregate: str
    version: int
    event: str
    actor: str
    occurred_at: datetime
    idempotency_key: str | None
    payload: dict[str, Any]


def history_entry(event: Any, aggregate: str) -> HistoryEntry:
    state = vars(event)
    key = state.get("idempotency_key")
    payload = {k: v for k, v in state.items() if k not in _META and k != "idempotency_key"}
    return HistoryEntry(
        aggregate_id=event.originator_id,
        aggregate=aggregate,
        version=event.originator_version,
        event=type(event).__name__,
        actor=event.actor,
        occurred_at=event.timestamp,
        idempotency_key=None if key is None else split_key(key)[0],
        payload=to_jsonable_python(payload),
    )
