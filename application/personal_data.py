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
import os
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic_core import from_json, to_json

from application.batch_writing import batches
from domain import errors
from domain.personal import PART, Opened, Texts

# --- the keys and the envelope ------------------------------------------------------------


class DataKeys(Protocol):
    """Each person's data key (``eventlog/data_keys.py`` keeps them in PostgreSQL)."""

    def for_writing(self, subjects: Collection[str]) -> Mapping[str, AESGCM]:
        """The people's keys, made on first use; ``PersonErased`` if one was destroyed."""
        ...

    def for_reading(self, subjects: Collection[str]) -> Mapping[str, AESGCM | None]:
        """The people's keys; None for those whose key was destroyed."""
        ...

    def erase(self, subject: str, at: datetime) -> None:
        """Destroy the key (and a person's, all of theirs: ``subject/...``): what was sealed
        under it reads as erased from now on, and nothing new is sealed for it."""
        ...


class MemoryDataKeys:
    """Keys in memory, for an application on eventsourcing's in-memory store (unit tests)."""

    def __init__(self) -> None:
        self._keys: dict[str, AESGCM | None] = {}

    def for_writing(self, subjects: Collection[str]) -> Mapping[str, AESGCM]:
        keys = {}
        for subject in subjects:
            if self._keys.get(subject.split(PART)[0], True) is None:
                raise errors.PersonErased(subject.split(PART)[0])
            if subject not in self._keys:
                self._keys[subject] = AESGCM(AESGCM.generate_key(bit_length=256))
            key = self._keys[subject]
            if key is None:
                raise errors.PersonErased(subject)
            keys[subject] = key
        return keys

    def for_reading(self, subjects: Collection[str]) -> Mapping[str, AESGCM | None]:
        return {s: self._keys.get(s) for s in subjects}

    def erase(self, subject: str, at: datetime) -> None:
        for known in [k for k in self._keys if k.startswith(subject + PART)]:
            self._keys[known] = None
        self._keys[subject] = None


NONCE = 12

KEKS = "DATA_KEKS"
"""The environment entry holding the key-encryption keys (newest first)."""


KEYS_AT_ONCE = 5_000
"""People whose keys are held at once while an event is sealed or opened: an opened key
holds about 1.3 KB of cipher state, so a 100,000-person roster import held 130 MB of
keys when it was sealed or read in one go."""


def seal(keys: DataKeys, texts: Texts, aad: bytes) -> dict[str, str]:
    """Each person's strings encrypted under their key: ``{person: base64(nonce+ciphertext)}``."""
    sealed = {}
    for subjects in batches(list(texts), KEYS_AT_ONCE):
        opened = keys.for_writing(subjects)
        for subject in subjects:
            nonce = os.urandom(NONCE)
            box = opened[subject].encrypt(nonce, to_json(texts[subject]), aad)
            sealed[subject] = base64.b64encode(nonce + box).decode()
    return sealed


def open_sealed(keys: DataKeys, sealed: Mapping[str, str], aad: bytes) -> Opened:
    opened: dict[str, Iterator[str] | None] = {}
    for subjects in batches(list(sealed), KEYS_AT_ONCE):
        found = keys.for_reading(subjects)
        for subject in subjects:
            if subject not in found:
                raise LookupError(f"no data key for {subject!r}: was the event store copied alone?")
            key = found[subject]
            if key is None:
                opened[subject] = None
                continue
            raw = base64.b64decode(sealed[subject])
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
