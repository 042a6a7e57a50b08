"""How value objects and dates are written into stored events.

eventsourcing's JSON transcoder knows UUIDs, decimals and datetimes; these add
``date`` and every pydantic value object (stored as its JSON form, validated again
on the way back, so a stored event can never rebuild an invalid value).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.roster import Person, PersonChange
from domain.values import VALUE_TYPES, ValueObject


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ValueObjectAsJSON(Transcoding):
    """One transcoding per value-object class, named after the class."""

    def __init__(self, model: type[ValueObject]) -> None:
        self.type = model
        self.name = f"cf.{model.__name__}"
        self._model = model

    def encode(self, obj: ValueObject) -> dict[str, Any]:
        return obj.model_dump(mode="json")

    def decode(self, data: dict[str, Any]) -> ValueObject:
        return self._model.model_validate(data)


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    models: tuple[type[ValueObject], ...] = (*VALUE_TYPES, Person, PersonChange)
    for model in models:
        transcoder.register(ValueObjectAsJSON(model))
