"""What counts as personal data, declared on the types that carry it (DESIGN.md §7).

A field whose type carries ``PERSONAL`` (free text: ``Text``, ``Note``,
``PersonalText``; a roster name or e-mail) is written by or about a person. The
event store keeps it encrypted with that person's data key and, once the key is
destroyed by an erasure, reads it back as its ``erased`` placeholder, so every
event still loads and replays. Ids, times, numbers, enums and phases carry no
marker and stay clear: ordering, deadlines and reports never need a key.

Whose data it is: the aggregate's ``data_subject`` (a case's or an action item's
employee), or, inside a value object that names its own (``data_subject_field`` on
the class, as a roster row does), that person.

Pure data: the store does the encrypting (``application/personal_data.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

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

DATA_SUBJECT = "data_subject_field"
"""The class attribute naming the field that says whose data a value object holds."""
