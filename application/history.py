"""The audit trail: stored events rendered as plain, JSON-ready entries."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import project_aggregate
from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from application.aggregate_access import AggregateAccess
from domain import errors
from domain.base import CareerAggregate, split_key
from domain.case import DevelopmentCase

_META = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "actor",
        "on_behalf_of",
        "originator_topic",
    }
)


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
    on_behalf_of: str | None = None
    """The absent person a delegate took the step for."""


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
        on_behalf_of=getattr(event, "on_behalf_of", None),
    )


class HistoryQueries(AggregateAccess):
    """The audit trail and as-of queries of ``CareerFlow``."""

    def case_as_of(
        self, case_id: UUID, *, version: int | None = None, at: datetime | None = None
    ) -> DevelopmentCase:
        """The case as it was at a version, or after the last event that occurred by ``at``.

        With ``at``, the state is the longest prefix of the case's events whose
        occurred-at times are all at or before ``at``.
        """
        if (version is None) == (at is None):
            raise errors.InvalidCommand("as_of", "give either a version or a time")
        if at is not None:
            version = 0
            for event in self.events.get(case_id):
                if cast(CareerAggregate.Event, event).timestamp > at:
                    break
                version = event.originator_version
            if version == 0:
                raise errors.NotFound("case state at that time", case_id)
        assert version is not None
        if version < 1:
            raise errors.InvalidCommand("version", "versions start at 1")
        historic = self._get(DevelopmentCase, "case", case_id, version=version)
        if historic.version < version:  # one read: the notifier asks this for every message
            raise errors.InvalidCommand("version", f"the case has {historic.version} versions")
        return historic

    def cases_as_of(
        self, versions: Collection[tuple[UUID, int]]
    ) -> dict[tuple[UUID, int], DevelopmentCase]:
        """Each (case, version) asked for, as ``case_as_of`` gives it, their events read in
        one query (the notifier makes a batch's messages from them); a pair that names no
        such case or version is left out."""
        ids = sorted({case_id for case_id, _ in versions})
        read = getattr(self.recorder, "events_of", None)  # PostgreSQL's; else one by one
        events: dict[UUID, list[Any]] = {}
        if read is None:
            events = {case_id: list(self.events.get(case_id)) for case_id in ids}
        else:
            for stored in read(ids):
                event = self.mapper.to_domain_event(stored)
                events.setdefault(stored.originator_id, []).append(event)
        found: dict[tuple[UUID, int], DevelopmentCase] = {}
        for case_id, version in versions:
            history = events.get(case_id, [])
            if 1 <= version <= len(history):
                case = project_aggregate(None, history[:version])
                if isinstance(case, DevelopmentCase):
                    found[case_id, version] = case
        return found

    def case_history(
        self, case_id: UUID, *, include_action_items: bool = True
    ) -> list[HistoryEntry]:
        """The audit trail of a case (and its action items), in the order things occurred."""
        case = self.get_case(case_id)
        entries = [history_entry(e, "case") for e in self.events.get(case_id)]
        if include_action_items:
            for item_id in case.action_item_ids:
                entries.extend(history_entry(e, "action_item") for e in self.events.get(item_id))
        entries.sort(key=lambda e: (e.occurred_at, e.aggregate != "case", e.version))
        return entries

    def action_item_history(self, item_id: UUID) -> list[HistoryEntry]:
        self.get_action_item(item_id)
        return [history_entry(e, "action_item") for e in self.events.get(item_id)]

    def history_as_of(
        self, case_id: UUID, as_of: str | None
    ) -> tuple[DevelopmentCase, list[HistoryEntry]]:
        """The case and its audit trail, now or as of ``as_of``: a version ("5") or an
        ISO-8601 time with a zone; the trail then stops at that point."""
        entries = self.case_history(case_id)
        if as_of is None:
            return self.get_case(case_id), entries
        state = self._case_as_of_text(case_id, as_of)
        kept = [
            e
            for e in entries
            if (e.aggregate == "case" and e.version <= state.version)
            or (e.aggregate != "case" and e.occurred_at <= state.modified_on)
        ]
        return state, kept

    def _case_as_of_text(self, case_id: UUID, as_of: str) -> DevelopmentCase:
        if as_of.isascii() and as_of.isdigit():
            return self.case_as_of(case_id, version=int(as_of))
        try:
            at = _TIME.validate_python(as_of)
        except ValidationError:
            raise errors.InvalidCommand(
                "as_of", "give a version number or an ISO-8601 time with a zone"
            ) from None
        if at.tzinfo is None:
            raise errors.InvalidCommand("as_of", "the time needs a zone (Z or +hh:mm)")
        return self.case_as_of(case_id, at=at)


_TIME = TypeAdapter(datetime)
