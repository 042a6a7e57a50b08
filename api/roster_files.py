"""Reading a roster file (CSV or JSON) into numbered rows for ``validate_roster``.

The standard library's ``csv`` module does the dialect work (quoting, embedded
commas and newlines); rows are numbered as a spreadsheet shows them (the header is
row 1), JSON entries from 1. Columns the roster does not know are ignored; a
missing required column is reported once, against the header.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from domain.roster import COLUMNS, OPTIONAL_COLUMNS, RosterInvalid, RowProblem

KNOWN = set(COLUMNS) | set(OPTIONAL_COLUMNS)
Rows = list[tuple[int, dict[str, Any] | str]]


def parse_csv(text: str) -> Rows:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RosterInvalid([RowProblem(row=1, field=c, reason="missing column") for c in missing])
    reader.fieldnames = header
    rows: Rows = []
    for row in reader:
        if None in row:
            rows.append((reader.line_num, "has more cells than the header"))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue  # blank line
        rows.append((reader.line_num, {k: v for k, v in row.items() if k in KNOWN}))
    return rows


def parse_json(text: str) -> Rows:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RosterInvalid(
            [RowProblem(row=exc.lineno, field="body", reason=f"not JSON: {exc.msg}")]
        ) from None
    except RecursionError:
        raise RosterInvalid(
            [RowProblem(row=0, field="body", reason="nested too deeply to be a roster")]
        ) from None
    if isinstance(data, dict) and isinstance(data.get("employees"), list):
        data = data["employees"]
    if not isinstance(data, list):
        raise RosterInvalid(
            [
                RowProblem(
                    row=0,
                    field="body",
                    reason='expected a list of employees or {"employees": [...]}',
                )
            ]
        )
    rows: Rows = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            rows.append((number, "is not an object"))
        else:
            rows.append((number, {k: v for k, v in item.items() if k in KNOWN}))
    return rows


def parse_roster(text: str, media_type: str) -> Rows:
    """CSV for ``text/csv`` (or a ``.csv`` name), JSON otherwise."""
    if "csv" in media_type.lower():
        return parse_csv(text)
    return parse_json(text)
