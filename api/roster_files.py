"""Reading a roster file (CSV, JSON or YAML) into numbered rows for ``validate_roster``."""

from __future__ import annotations

from api import row_files
from api.row_files import RowFile, Rows
from domain.roster import COLUMNS, OPTIONAL_COLUMNS, RosterInvalid

ROSTER = RowFile(COLUMNS, OPTIONAL_COLUMNS, RosterInvalid, "employees")


def parse_csv(text: str) -> Rows:
    return row_files.parse_csv(text, ROSTER)


def parse_json(text: str) -> Rows:
    return row_files.parse_json(text, ROSTER)


def parse_roster(text: str, media_type: str) -> Rows:
    return row_files.parse_rows(text, media_type, ROSTER)
