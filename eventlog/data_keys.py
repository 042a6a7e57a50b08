"""Each person's data key, kept in PostgreSQL wrapped by a key-encryption key (KEK).

A data key is 32 random bytes, made the first time something personal is written
about the person, and stored only wrapped (AES key wrap, RFC 3394) under the
current KEK, next to the KEK's fingerprint. Several KEKs may be configured, newest
first: keys wrapped by an older one still open, and ``rotate`` wraps them all again
under the newest, so the old KEK can then be retired. Erasing a person destroys
their wrapped key (the row stays, marked erased, so nothing new is written about
them); with the key gone, what the event store holds about them is noise.

Opened keys are remembered for ``KEY_TTL`` seconds, so an erasure reaches every
process within that time without each read asking the database.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
import typing
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from domain import errors
from domain.personal import PART

TABLE = "careerflow_data_keys"
KEY_TTL = 30.0
CACHE_SIZE = 20_000
"""Keys a process remembers (then it forgets them all and starts over)."""
REMEMBERED_AT_ONCE = 100
CHUNK = 5_000
"""Subjects per statement when keys are loaded or made in bulk (a roster import)."""


@dataclass(frozen=True)
class Kek:
    fingerprint: str
    key: bytes


class KeyEncryptionKeys:
    """The configured KEKs, newest first: ``base64key[,olderbase64key...]``."""

    def __init__(self, text: str) -> None:
        keks = []
        for i, part in enumerate(p.strip() for p in text.split(",")):
            try:
                key = base64.b64decode(part, validate=True)
            except ValueError:
                raise ValueError(f"CAREERFLOW_KEK: key {i + 1} is not base64") from None
            if len(key) not in (16, 24, 32):
                raise ValueError(f"CAREERFLOW_KEK: key {i + 1} is not a 128, 192 or 256-bit key")
            keks.append(Kek(hashlib.sha256(key).hexdigest()[:16], key))
        if not keks:
            raise ValueError("CAREERFLOW_KEK: no key-encryption key configured")
        self.current = keks[0]
        self.by_fingerprint = {k.fingerprint: k for k in keks}

    @staticmethod
    def generate() -> str:
        return base64.b64encode(os.urandom(32)).decode()

    def unwrap(self, fingerprint: str, wrapped: bytes, subject: str) -> bytes:
        kek = self.by_fingerprint.get(fingerprint)
        if kek is None:
            raise LookupError(
                f"the data key of {subject!r} is wrapped by KEK {fingerprint}, "
                "which is not configured (CAREERFLOW_KEK)"
            )
        return aes_key_unwrap(kek.key, wrapped)


def create_statement(schema: str) -> Composed:
    return SQL(
        "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
        "  subject_id text PRIMARY KEY,"
        "  kek text,"
        "  wrapped bytea,"
        "  created_at timestamptz NOT NULL DEFAULT now(),"
        "  erased_at timestamptz)"
    ).format(schema=Identifier(schema), table=Identifier(TABLE))


class PostgresDataKeys:
    """``application.personal_data.DataKeys`` on PostgreSQL, plus erasure and rotation."""

    def __init__(self, datastore: PostgresDatastore, keks: KeyEncryptionKeys) -> None:
        self.datastore = datastore
        self.keks = keks
        self.table = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(TABLE))
        self._cache: dict[str, tuple[AESGCM | None, float]] = {}

    # --- DataKeys ----------------------------------------------------------------------

    def for_writing(self, subjects: Collection[str]) -> Mapping[str, AESGCM]:
        found = self._keys(subjects)
        missing = [s for s in subjects if s not in found]
        if missing:
            self._make(missing)
            found = {**found, **self._keys(missing)}
        for subject in subjects:
            if found.get(subject) is None:  # destroyed, or never made: the person was erased
                raise errors.PersonErased(subject.split(PART)[0])
        return typing.cast(Mapping[str, AESGCM], found)

    def for_reading(self, subjects: Collection[str]) -> Mapping[str, AESGCM | None]:
        """Known subjects only: one missing from the answer has no key at all."""
        return self._keys(subjects)

    # --- erasure and rotation -----------------------------------------------------------

    def erase(self, subject: str, at: datetime) -> None:
        """Destroy the key, and a person's every key (``ada/<cycle>``); the person's row
        stays, marked erased, so no key is made for them again."""
        with self.datastore.get_connection() as conn, conn.transaction():
            conn.execute(
                SQL(
                    "INSERT INTO {table} (subject_id, erased_at) VALUES (%s, %s) "
                    "ON CONFLICT (subject_id) DO UPDATE "
                    "SET kek = NULL, wrapped = NULL, erased_at = EXCLUDED.erased_at"
                ).format(table=self.table),
                (subject, at),
            )
            conn.execute(
                SQL(
                    "UPDATE {table} SET kek = NULL, wrapped = NULL, erased_at = %s "
                    "WHERE starts_with(subject_id, %s) AND wrapped IS NOT NULL"
                ).format(table=self.table),
                (at, subject + PART),
            )
        until = time.monotonic() + KEY_TTL
        for known in [k for k in self._cache if k == subject or k.startswith(subject + PART)]:
            self._cache[known] = (None, until)
        self._cache[subject] = (None, until)

    def is_erased(self, subject: str) -> bool:
        return self._load([subject], remember=False).get(subject, False) is None

    def rotate(self) -> int:
        """Wrap every key under the newest KEK; how many were wrapped again."""
        current = self.keks.current
        done = 0
        with self.datastore.get_connection() as conn, conn.transaction():
            rows = conn.execute(
                SQL(
                    "SELECT subject_id, kek, wrapped FROM {table} "
                    "WHERE wrapped IS NOT NULL AND kek <> %s FOR UPDATE"
                ).format(table=self.table),
                (current.fingerprint,),
            ).fetchall()
            for row in rows:
                subject, fingerprint, wrapped = row["subject_id"], row["kek"], row["wrapped"]
                key = self.keks.unwrap(fingerprint, wrapped, subject)
                conn.execute(
                    SQL("UPDATE {table} SET kek = %s, wrapped = %s WHERE subject_id = %s").format(
                        table=self.table
                    ),
                    (current.fingerprint, aes_key_wrap(current.key, key), subject),
                )
                done += 1
        return done

    def wrapped_by(self) -> dict[str, int]:
        """How many keys each KEK wraps (by fingerprint), and how many were erased."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                SQL("SELECT coalesce(kek, 'erased'), count(*) FROM {table} GROUP BY 1").format(
                    table=self.table
                )
            )
            return {str(k): int(n) for k, n in curs.fetchall()}

    # --- the table ----------------------------------------------------------------------

    def _keys(self, subjects: Collection[str]) -> dict[str, AESGCM | None]:
        """The subjects' keys (None: erased), from memory while fresh, else the table.

        One event names one person, or (a roster import) thousands: those are loaded in
        chunks and, beyond ``REMEMBERED_AT_ONCE``, not remembered, so one large import
        cannot push every other key out.
        """
        now = time.monotonic()
        found: dict[str, AESGCM | None] = {}
        wanted = []
        for subject in subjects:
            hit = self._cache.get(subject)
            if hit is not None and hit[1] > now:
                found[subject] = hit[0]
            else:
                wanted.append(subject)
        remember = len(wanted) <= REMEMBERED_AT_ONCE
        for start in range(0, len(wanted), CHUNK):
            found.update(self._load(wanted[start : start + CHUNK], remember))
        return found

    def _load(self, subjects: Sequence[str], remember: bool) -> dict[str, AESGCM | None]:
        """The subjects' keys from the table (None: erased); absent ones are not in it."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                SQL(
                    "SELECT subject_id, kek, wrapped FROM {table} WHERE subject_id = ANY(%s)"
                ).format(table=self.table),
                (list(subjects),),
            )
            rows = curs.fetchall()
        found: dict[str, AESGCM | None] = {}
        for subject, fingerprint, wrapped in rows:
            key = (
                None if wrapped is None else AESGCM(self.keks.unwrap(fingerprint, wrapped, subject))
            )
            found[subject] = key
        if remember:
            if len(self._cache) + len(found) > CACHE_SIZE:
                self._cache.clear()
            until = time.monotonic() + KEY_TTL
            self._cache.update((s, (k, until)) for s, k in found.items())
        return found

    def _make(self, subjects: Sequence[str]) -> None:
        for start in range(0, len(subjects), CHUNK):
            self._make_chunk(subjects[start : start + CHUNK])

    def _make_chunk(self, subjects: Sequence[str]) -> None:
        current = self.keks.current
        wrapped = [aes_key_wrap(current.key, AESGCM.generate_key(bit_length=256)) for _ in subjects]
        with self.datastore.get_connection() as conn:
            conn.execute(
                SQL(
                    "INSERT INTO {table} (subject_id, kek, wrapped) "
                    "SELECT s, %s, w FROM unnest(%s::text[], %s::bytea[]) AS t(s, w) "
                    "WHERE NOT EXISTS (SELECT 1 FROM {table} p "  # an erased person: none
                    "  WHERE p.subject_id = split_part(t.s, %s, 1) AND p.erased_at IS NOT NULL) "
                    "ON CONFLICT (subject_id) DO NOTHING"
                ).format(table=self.table),
                (current.fingerprint, list(subjects), wrapped, PART),
            )
