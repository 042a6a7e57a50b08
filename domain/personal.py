"""What counts as personal data, declared on the types that carry it (DESIGN.md §7).

A field whose type carries ``PERSONAL`` (free text: ``Text``, ``Note``,
``PersonalText``; a roster name or e-mail) is written by or about a person. The
event store keeps it encrypted with that person's data key and, once the key is
destroyed by an erasure, reads it back as its ``erased`` placeholder, so every
event still loads and replays. Ids, times, numbers, enums and phases carry no
marker and stay clear: ordering, deadlines and reports never need a key.

Whose data it is: the aggregate's ``data_subject`` (a case's or an action item's
employee, in that cycle: ``case_subject``), or, inside a value object that names its
own (``data_subject_field`` on the class, as a roster row does), that person.

Pure: the store does the encrypting (``application/personal_data.py``); here is where
the personal strings are (a plan per type) and how to take them out and put them back.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union

from pydantic import BaseModel

ERASED = "[erased]"
"""What an erased person's free text reads as."""


@dataclass(frozen=True)
class Personal:
    """Marks a type as personal data; ``erased`` is what it reads as after an erasure."""

    erased: str = ERASED
    when: tuple[str, frozenset[str]] | None = None
    """Only when the row's field ``when[0]`` is one of ``when[1]`` (a roster change of a
    name or an e-mail, not of a department)."""

    def applies(self, row: dict[str, object]) -> bool:
        return self.when is None or row.get(self.when[0]) in self.when[1]


PERSONAL = Personal()

PersonalText = Annotated[str, PERSONAL]
"""An event's own free-text field (a reason, a comment, a note)."""


def case_subject(employee_id: str, cycle_id: object) -> str:
    """The key a case's texts are sealed under: the employee's, for that one cycle, so a
    cycle's retention can destroy it alone; erasing the person destroys all of theirs."""
    return f"{employee_id}{PART}{cycle_id}"


PART = "/"
"""Between a person and the part of their data a key covers (never in an employee id)."""

DATA_SUBJECT = "data_subject_field"
"""The class attribute naming the field that says whose data a value object holds."""


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

Opened = Mapping[str, Iterator[str] | None]
"""Each person's strings in walk order; None: their key was destroyed (erased)."""

Swap = Callable[[str, str | None, Personal, str], str]
"""What a walk does at a personal string: (the string, whose, its marker, its field) →
what stands there instead."""


def walk(row: dict[str, Any], plan: Fields, subject: str | None, swap: Swap) -> None:
    """Replace each personal string of ``row`` (in place) by what ``swap`` gives, in the
    plan's order, each with whose data it is."""
    if plan.subject_field is not None:
        subject = row.get(plan.subject_field)
    for name, inner in plan.fields:
        value = row.get(name)
        if value is None:
            continue
        if isinstance(inner, Leaf):
            if inner.marker.applies(row):
                row[name] = swap(value, subject, inner.marker, name)
        else:
            row[name] = _walk(value, inner, subject, swap, name)


def _walk(value: Any, plan: Plan, subject: str | None, swap: Swap, name: str) -> Any:
    if isinstance(plan, Fields):
        walk(value, plan, subject, swap)
        return value
    if isinstance(plan, Leaf):
        return swap(value, subject, plan.marker, name)
    if isinstance(plan, Items):
        return [None if v is None else _walk(v, plan.item, subject, swap, name) for v in value]
    return {
        k: None if v is None else _walk(v, plan.item, subject, swap, name) for k, v in value.items()
    }


def take_out(row: dict[str, Any], plan: Fields, subject: str | None, out: Texts) -> None:
    """Move every personal string of ``row`` into ``out`` (``""`` stays in its place)."""

    def keep(value: str, whose: str | None, marker: Personal, name: str) -> str:
        if not whose:
            raise ValueError(f"{name}: personal data with nobody to whom it belongs")
        out.setdefault(whose, []).append(value)
        return ""

    walk(row, plan, subject, keep)


def put_back(row: dict[str, Any], plan: Fields, subject: str | None, texts: Opened) -> None:
    """Put each person's strings back in their places, or, for a person whose key was
    destroyed (or none given), each string's placeholder."""

    def restore(value: str, whose: str | None, marker: Personal, name: str) -> str:
        strings = texts.get(whose or "")
        return marker.erased if strings is None else next(strings)

    walk(row, plan, subject, restore)


M = TypeVar("M", bound=BaseModel)


def erased(value: M) -> M:
    """The value with every personal string replaced by its placeholder (an erasure)."""
    plan = model_plan(type(value))
    if plan is None:
        return value
    row = value.model_dump(mode="json")
    put_back(row, plan, "", {})
    return type(value).model_validate(row)
