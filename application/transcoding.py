"""How value objects and dates are written into stored events.

eventsourcing's JSON transcoder knows UUIDs, decimals and datetimes; these add
``date`` and every pydantic value object (stored as its JSON form, validated again
on the way back, so a stored event can never rebuild an invalid value).
"""

from __future__ import annotations

import threading
import typing
import weakref
from dataclasses import KW_ONLY, dataclass
from datetime import date
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    Transcoding,
)
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import TypeAdapter
from pydantic_core import from_json, to_json
from typing_extensions import TypedDict

from application.personal_data import (
    DataKeys,
    MemoryDataKeys,
    binding,
    open_sealed,
    seal,
    subject_of,
)
from domain.personal import Fields, Texts, event_plan, put_back, take_out
from domain.roster import Person, PersonChange
from domain.values import KNOWN_STORABLE, VALUE_TYPES, Policy, ValueObject


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


# --- the typed format ----------------------------------------------------------------

TYPED_PREFIX = b"[2,"
"""Rows in the typed format are ``[2,{...}]``; the tagged format's rows are ``{...}``."""
SEALED_PREFIX = b"[3,"
"""Rows with personal strings are ``[3,{...},{person: sealed},subject]``: the event with
each personal string emptied, and those strings encrypted per person."""


@dataclass(frozen=True)
class _Format:
    """How one event class is written: its state's type, fields, topic and version."""

    state: TypeAdapter[dict[str, Any]] | None
    """None when a field cannot be typed exactly (written in the tagged format)."""
    loose: TypeAdapter[dict[str, Any]] | None
    """The state with its shared values left as parsed JSON (None: it has none), so
    a row is read in one call and each shared value checked once (``_with_shared``)."""
    fields: frozenset[str]
    topic: str
    class_version: int
    shared: dict[str, type[ValueObject]]
    """Fields holding a value many events carry alike (``SHARED_VALUES``)."""
    personal: Fields | None
    """Where the class keeps personal strings (sealed per person), or None."""
    model_lists: dict[str, TypeAdapter[Any]]
    """Fields holding a list of value objects: each item's type (``_items_validated``)."""

    @classmethod
    def of(cls, event_class: type) -> _Format:
        fields: dict[str, Any] = {}
        typed = True
        for name, hint in typing.get_type_hints(event_class).items():
            if typing.get_origin(hint) is typing.ClassVar or hint is KW_ONLY:
                continue
            if name not in _NOT_STORED:
                fields[name] = hint
            typed = typed and hint is not Any and "Any" not in repr(hint)
        fields["class_version"] = int  # written when above 1, so older rows can be upcast
        typed_dict: Any = TypedDict  # built from the hints at run time, which mypy cannot follow
        state = typed_dict(f"{event_class.__qualname__}State", fields, total=False)
        shared = {n: t for n, t in fields.items() if t in SHARED_VALUES}
        loose = typed_dict(
            f"{event_class.__qualname__}Loose",
            {n: dict[str, Any] if n in shared else t for n, t in fields.items()},
            total=False,
        )
        return cls(
            state=TypeAdapter(state) if typed else None,
            loose=TypeAdapter(loose) if typed and shared else None,
            fields=frozenset(fields) | _NOT_STORED,
            topic=get_topic(event_class),
            class_version=getattr(event_class, "class_version", 1),
            shared=shared,
            model_lists={
                n: TypeAdapter(item)
                for n, t in fields.items()
                if typing.get_origin(t) is list
                and isinstance(item := typing.get_args(t)[0], type)
                and issubclass(item, ValueObject)
            },
            personal=event_plan(
                {
                    n: h
                    for n, h in typing.get_type_hints(event_class, include_extras=True).items()
                    if n in fields and n not in _NOT_STORED
                }
            ),
        )


SHARED_VALUES: tuple[type[ValueObject], ...] = (Policy,)
"""Value objects that many events carry identically: every case a cycle opens carries
its policy, and checking its twelve durations again was most of reading such an event."""

_NOT_STORED = frozenset({"originator_id", "originator_version"})


class TypedMapper(Mapper[UUID]):
    """Events to rows and back through each event class's own field types.

    The tagged JSON transcoder calls back into Python for every UUID, datetime and
    value object; pydantic's compiled serialiser writes and validates the whole
    event in one call from the field types the event class declares, several
    times faster (``bench/domain_bench.py``). Rows written in the tagged format
    stay readable: they are told apart by their first byte (an object, where a
    typed row is a ``[2, {...}]`` array) and decoded as before, and an event class
    whose fields cannot be typed exactly is still written in the tagged format.
    """

    def __init__(self, transcoder: Transcoder) -> None:
        super().__init__(transcoder)
        self.data_keys: DataKeys = MemoryDataKeys()
        """Set by the application to its store's keys (``application/personal_data.py``)."""
        self._formats: dict[type, _Format] = {}
        self._shared: dict[tuple[type, bytes], ValueObject] = {}
        self._last_shared: dict[type, tuple[Any, ValueObject]] = {}
        self._topics: dict[str, tuple[type, _Format]] = {}
        self._large: weakref.WeakValueDictionary[tuple[UUID | str, int], Any] = (
            weakref.WeakValueDictionary()
        )
        self._large_lock = threading.Lock()

    def _format(self, event_class: type) -> _Format:
        try:
            return self._formats[event_class]
        except KeyError:
            made = self._formats[event_class] = _Format.of(event_class)
            return made

    def _of_topic(self, topic: str) -> tuple[type, _Format]:
        try:
            return self._topics[topic]
        except KeyError:
            event_class = resolve_topic(topic)
            made = self._topics[topic] = (event_class, self._format(event_class))
            return made

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        form = self._format(type(domain_event))
        state = dict(vars(domain_event))
        if "on_behalf_of" in state and state["on_behalf_of"] is None:
            del state["on_behalf_of"]  # a person's own step (most): the class default says so
        if form.state is None or not form.fields.issuperset(state):
            if form.personal is not None:
                raise ValueError(f"{form.topic}: personal data the typed format cannot seal")
            return super().to_stored_event(domain_event)  # nothing is dropped unseen
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        if form.class_version > 1:
            state["class_version"] = form.class_version
        row = None
        if form.personal is not None:
            row = self._sealed(form, form.state, state, originator_id, originator_version)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=form.topic,
            state=row or TYPED_PREFIX + form.state.dump_json(state) + b"]",
        )

    def _sealed(
        self,
        form: _Format,
        adapter: TypeAdapter[dict[str, Any]],
        state: dict[str, Any],
        originator_id: UUID,
        version: int,
    ) -> bytes | None:
        """The row with its personal strings sealed per person (None: it holds none)."""
        assert form.personal is not None
        row: dict[str, Any] = adapter.dump_python(state, mode="json")
        texts: Texts = {}
        subject = subject_of(originator_id)
        take_out(row, form.personal, subject, texts)
        if not texts:
            return None
        sealed = seal(self.data_keys, texts, binding(originator_id, version))
        return SEALED_PREFIX + b",".join((to_json(row), to_json(sealed), to_json(subject))) + b"]"

    def _opened(self, form: _Format, stored_event: StoredEvent) -> dict[str, Any]:
        """A sealed row as the event's state, each personal string put back (or erased)."""
        assert form.personal is not None
        _, row, sealed, subject = from_json(stored_event.state)
        aad = binding(stored_event.originator_id, stored_event.originator_version)
        put_back(row, form.personal, subject, open_sealed(self.data_keys, sealed, aad))
        return typing.cast(dict[str, Any], row)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """The stored event as a domain event; a large one decoded once for every reader
        that asks while another still holds it (``LARGE_EVENT_BYTES``)."""
        if len(stored_event.state) < LARGE_EVENT_BYTES:
            return self._decoded(stored_event)
        key = (stored_event.originator_id, stored_event.originator_version)
        with self._large_lock:
            known = self._large.get(key)
            if known is None:
                known = self._large[key] = self._decoded(stored_event)
            return typing.cast(DomainEventProtocol[UUID], known)

    def _decoded(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        sealed = stored_event.state.startswith(SEALED_PREFIX)
        if not sealed and not stored_event.state.startswith(TYPED_PREFIX):
            return super().to_domain_event(stored_event)
        event_class, form = self._of_topic(stored_event.topic)
        try:
            if form.state is None or (sealed and form.personal is None):
                raise ValueError("the event class has fields that cannot be typed")
            if sealed:
                raw = self._with_shared(form, self._opened(form, stored_event))
                _items_validated(form, raw)
                state = form.state.validate_python(raw, context=KNOWN_STORABLE)
            elif form.loose is not None:
                body = stored_event.state[len(TYPED_PREFIX) : -1]
                state = self._with_shared(
                    form, form.loose.validate_json(body, context=KNOWN_STORABLE)
                )
            else:
                body = stored_event.state[len(TYPED_PREFIX) : -1]
                state = form.state.validate_json(body, context=KNOWN_STORABLE)
        except (ValueError, InvalidTag, LookupError) as exc:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic "
                f"'{stored_event.topic}', originator_id '{stored_event.originator_id}' "
                f"and originator_version {stored_event.originator_version}: {exc}"
            ) from exc
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        version = state.pop("class_version", 1)
        while version < form.class_version:  # rows of an older class are upcast
            getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        domain_event: Any = object.__new__(event_class)
        object.__setattr__(domain_event, "__dict__", state)
        return typing.cast(DomainEventProtocol[UUID], domain_event)

    def _with_shared(self, form: _Format, raw: dict[str, Any]) -> dict[str, Any]:
        """The parsed row, its shared values taken from those already checked (if equal).

        A value is reused only when it equals, as parsed JSON, the last one checked
        (a cycle's cases all carry one policy) or its JSON is byte for byte that of one
        checked before; value objects are immutable, so the event is what a full check
        would have given.
        """
        for name, model in form.shared.items():
            value = raw.get(name)
            if value is None:
                continue
            last = self._last_shared.get(model)
            if last is not None and last[0] == value:
                raw[name] = last[1]
                continue
            key = (model, to_json(value))
            known = self._shared.get(key)
            if known is None:
                if len(self._shared) >= SHARED_CACHE_SIZE:
                    self._shared.clear()
                known = self._shared[key] = model.model_validate(value, context=KNOWN_STORABLE)
            self._last_shared[model] = (value, known)
            raw[name] = known
        return raw


def _items_validated(form: _Format, raw: dict[str, Any]) -> None:
    """Validate a long list of value objects item by item, in place, before the whole state.

    Each parsed item is dropped as its value object is made, so a 100,000-person roster
    import never holds all its parsed rows and all its people at once (about 50 MB at
    the projector's peak). Validating the state then takes the items as they are.
    """
    for name, adapter in form.model_lists.items():
        items = raw.get(name)
        if isinstance(items, list) and len(items) > ITEMS_ONE_BY_ONE:
            for i, item in enumerate(items):
                items[i] = adapter.validate_python(item, context=KNOWN_STORABLE)


ITEMS_ONE_BY_ONE = 1_000

SHARED_CACHE_SIZE = 256

LARGE_EVENT_BYTES = 1_000_000
"""From this size a row is decoded once while any reader holds the result: the projector's
followers each read a 100,000-person roster import, and decoding it (some 170 MB of
people, 250 MB at its peak) in two threads at once was half the projector's peak.
Events are immutable, so sharing one is what decoding it twice would have given."""
