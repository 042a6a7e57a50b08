"""Personal fields sealed in stored events: each person's free text under their own key.

Which fields are personal is declared on the types (``domain/personal.py``); this
module compiles that into a plan per event class, takes the marked strings out of an
event's JSON (the structure, ids, times and numbers stay in place, clear), encrypts
them per person with AES-GCM under that person's data key, and on the way back puts
them in again — or each one's ``erased`` placeholder when the key was destroyed.

Only the strings are sealed, not whole fields, so an erased event still has the
shape its class validates: a plan's goals keep their ids, a roster row its
employee id, and the aggregate replays as it did.
"""

from __future__ import annotations

import base64
import functools
import os
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, Union
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel
from pydantic_core import from_json, to_json

from domain import errors
from domain.personal import DATA_SUBJECT, Personal

# --- the plan: where an event class keeps personal strings ---------------------------


@dataclass(frozen=True)
class Leaf:
    marker: Personal


@dataclass(frozen=True)
class Fields:
    fields: tuple[tuple[str, Plan], ...]
    subject_field: str | None = None
    """The field naming whose data this object holds (None: the enclosing subject's)."""


@dataclass(frozen=True)
class Items:
    item: Plan


@dataclass(frozen=True)
class Values:
    item: Plan


Plan = Leaf | Fields | Items | Values


def _marker(metadata: Sequence[Any]) -> Personal | None:
    return next((m for m in metadata if isinstance(m, Personal)), None)


def plan_of(hint: Any) -> Plan | None:
    """The plan of a type: where its personal strings are (None: it holds none)."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(hint)
        marker = _marker(metadata)
        return Leaf(marker) if marker is not None else plan_of(base)
    if origin in (Union, types.UnionType):
        plans = [p for a in typing.get_args(hint) if (p := plan_of(a)) is not None]
        if len(plans) > 1:
            raise TypeError(f"{hint}: personal data in more than one branch of a union")
        return plans[0] if plans else None
    if origin in (list, tuple, set, frozenset, Sequence):
        inner = plan_of(typing.get_args(hint)[0])
        return None if inner is None else Items(inner)
    if origin in (dict, Mapping):
        inner = plan_of(typing.get_args(hint)[1])
        return None if inner is None else Values(inner)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return model_plan(hint)
    return None


@functools.cache
def model_plan(model: type[BaseModel]) -> Fields | None:
    fields: list[tuple[str, Plan]] = []
    for name, info in model.model_fields.items():
        marker = _marker(info.metadata)
        plan = Leaf(marker) if marker is not None else plan_of(info.annotation)
        if plan is not None:
            fields.append((name, plan))
    subject_field = getattr(model, DATA_SUBJECT, None)
    return Fields(tuple(fields), subject_field) if fields else None


def event_plan(hints: Mapping[str, Any]) -> Fields | None:
    """The plan of an event class from its type hints (with their ``Annotated`` extras)."""
    fields = tuple((n, p) for n, h in hints.items() if (p := plan_of(h)) is not None)
    return Fields(fields) if fields else None


# --- taking the strings out and putting them back --------------------------------------

Texts = dict[str, list[str]]
"""Personal strings by whose data they are, in the order the plan walks them."""


def take_out(row: dict[str, Any], plan: Fields, subject: str | None, out: Texts) -> None:
    """Move every personal string of ``row`` into ``out`` (``""`` stays in its place)."""
    if plan.subject_field is not None:
        subject = row.get(plan.subject_field)
    for name, inner in plan.fields:
        value = row.get(name)
        if value is None:
            continue
        if isinstance(inner, Leaf):
            if inner.marker.applies(row):
                out.setdefault(_owner(subject, name), []).append(value)
                row[name] = ""
        else:
            row[name] = _take_out(value, inner, subject, out, name)


def _take_out(value: Any, plan: Plan, subject: str | None, out: Texts, name: str) -> Any:
    if isinstance(plan, Fields):
        take_out(value, plan, subject, out)
        return value
    if isinstance(plan, Leaf):
        out.setdefault(_owner(subject, name), []).append(value)
        return ""
    if isinstance(plan, Items):
        return [None if v is None else _take_out(v, plan.item, subject, out, name) for v in value]
    return {
        k: None if v is None else _take_out(v, plan.item, subject, out, name)
        for k, v in value.items()
    }


def _owner(subject: str | None, name: str) -> str:
    if not subject:
        raise ValueError(f"{name}: personal data with nobody to whom it belongs")
    return subject


Opened = Mapping[str, Iterator[str] | None]
"""Each person's strings in walk order; None: their key was destroyed (erased)."""


def put_back(row: dict[str, Any], plan: Fields, subject: str | None, texts: Opened) -> None:
    if plan.subject_field is not None:
        subject = row.get(plan.subject_field)
    for name, inner in plan.fields:
        value = row.get(name)
        if value is None:
            continue
        if isinstance(inner, Leaf):
            if inner.marker.applies(row):
                row[name] = _next(texts, subject, inner.marker)
        else:
            row[name] = _put_back(value, inner, subject, texts)


def _put_back(value: Any, plan: Plan, subject: str | None, texts: Opened) -> Any:
    if isinstance(plan, Fields):
        put_back(value, plan, subject, texts)
        return value
    if isinstance(plan, Leaf):
        return _next(texts, subject, plan.marker)
    if isinstance(plan, Items):
        return [None if v is None else _put_back(v, plan.item, subject, texts) for v in value]
    return {
        k: None if v is None else _put_back(v, plan.item, subject, texts) for k, v in value.items()
    }


def _next(texts: Opened, subject: str | None, marker: Personal) -> str:
    strings = texts.get(subject or "")
    if strings is None:
        return marker.erased
    return next(strings)


# --- the keys and the envelope ------------------------------------------------------------


class DataKeys(Protocol):
    """Each person's data key (``eventlog/data_keys.py`` keeps them in PostgreSQL)."""

    def for_writing(self, subject: str) -> AESGCM:
        """The person's key, made on first use; ``PersonErased`` once it was destroyed."""
        ...

    def for_reading(self, subject: str) -> AESGCM | None:
        """The person's key; None once it was destroyed."""
        ...

    def prepare(self, subjects: Iterable[str]) -> None:
        """Make the keys of many people at once (a roster import names thousands)."""
        ...


class MemoryDataKeys:
    """Keys in memory, for an application on eventsourcing's in-memory store (unit tests)."""

    def __init__(self) -> None:
        self._keys: dict[str, AESGCM | None] = {}

    def for_writing(self, subject: str) -> AESGCM:
        if subject not in self._keys:
            self._keys[subject] = AESGCM(AESGCM.generate_key(bit_length=256))
        key = self._keys[subject]
        if key is None:
            raise errors.PersonErased(subject)
        return key

    def for_reading(self, subject: str) -> AESGCM | None:
        return self._keys.get(subject)

    def prepare(self, subjects: Iterable[str]) -> None:
        pass

    def erase(self, subject: str) -> None:
        self._keys[subject] = None


NONCE = 12

KEKS = "DATA_KEKS"
"""The environment entry holding the key-encryption keys (newest first)."""


def seal(keys: DataKeys, texts: Texts, aad: bytes) -> dict[str, str]:
    """Each person's strings encrypted under their key: ``{person: base64(nonce+ciphertext)}``."""
    sealed = {}
    for subject, strings in texts.items():
        nonce = os.urandom(NONCE)
        box = keys.for_writing(subject).encrypt(nonce, to_json(strings), aad)
        sealed[subject] = base64.b64encode(nonce + box).decode()
    return sealed


def open_sealed(keys: DataKeys, sealed: Mapping[str, str], aad: bytes) -> Opened:
    opened: dict[str, Iterator[str] | None] = {}
    for subject, blob in sealed.items():
        key = keys.for_reading(subject)
        if key is None:
            opened[subject] = None
            continue
        raw = base64.b64decode(blob)
        strings: list[str] = from_json(key.decrypt(raw[:NONCE], raw[NONCE:], aad))
        opened[subject] = iter(strings)
    return opened


def binding(originator_id: UUID | str, version: int) -> bytes:
    """What a sealed envelope is bound to (its event): it cannot be moved to another."""
    return str(originator_id).encode() + b"/" + str(version).encode()


# --- whose data the aggregates being saved hold ------------------------------------------

_SUBJECTS: ContextVar[Mapping[UUID, str | None] | None] = ContextVar("data_subjects", default=None)


@contextmanager
def saving(subjects: Mapping[UUID, str | None]) -> Iterator[None]:
    """While aggregates are saved: whose data each one's events carry (by aggregate id)."""
    token = _SUBJECTS.set(subjects)
    try:
        yield
    finally:
        _SUBJECTS.reset(token)


def subject_of(aggregate_id: UUID) -> str | None:
    subjects = _SUBJECTS.get()
    return None if subjects is None else subjects.get(aggregate_id)
