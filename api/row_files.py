"""Reading a file of rows (CSV, JSON or YAML) into numbered rows for a validator.

The roster and the career framework are both imported as rows and validated as a
whole. The standard library's ``csv`` module does the dialect work (quoting,
embedded commas and newlines); rows are numbered as a spreadsheet shows them (the
header is row 1), JSON and YAML entries from 1. Columns a file kind does not know are
ignored; a missing required column is reported once, against the header.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain import errors
from domain.roster import RowProblem

Rows = list[tuple[int, dict[str, Any] | str]]


@dataclass(frozen=True)
class RowFile:
    """What one kind of file holds: its columns, and how its problems are raised."""

    required: Sequence[str]
    optional: Sequence[str]
    refused: Callable[[list[RowProblem]], Exception]
    list_key: str
    """The key of the rows when a JSON or YAML document is an object (``employees``)."""

    def refuse(self, row: int, field: str, reason: str) -> Exception:
        return self.refused([RowProblem(row=row, field=field, reason=reason)])

    def rows(self, items: list[Any]) -> Rows:
        known = {*self.required, *self.optional}
        return [
            (number, {k: v for k, v in item.items() if k in known})
            if isinstance(item, dict)
            else (number, "is not an object")
            for number, item in enumerate(items, start=1)
        ]


def parse_csv(text: str, kind: RowFile) -> Rows:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in kind.required if c not in header]
    if missing:
        raise kind.refused([RowProblem(row=1, field=c, reason="missing column") for c in missing])
    reader.fieldnames = header
    known = {*kind.required, *kind.optional}
    rows: Rows = []
    for row in reader:
        if None in row:
            rows.append((reader.line_num, "has more cells than the header"))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue  # blank line
        rows.append((reader.line_num, {k: v for k, v in row.items() if k in known}))
    return rows


def parse_json(text: str, kind: RowFile) -> Rows:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise kind.refuse(exc.lineno, "body", f"not JSON: {exc.msg}") from None
    except RecursionError:
        raise kind.refuse(0, "body", "nested too deeply") from None
    return kind.rows(_listed(data, kind))


class _PlainLoader(yaml.SafeLoader):
    """Plain data only: no tags, no objects, and no aliases (a few bytes of nested
    aliases would expand into more rows than memory holds)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


def parse_yaml(text: str, kind: RowFile) -> Rows:
    try:
        data = yaml.load(text, Loader=_PlainLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 0
        raise kind.refuse(line, "body", f"not YAML: {exc.problem}") from None
    except (yaml.YAMLError, RecursionError):
        raise kind.refuse(0, "body", "not YAML") from None
    return kind.rows(_listed(data, kind))


def _listed(data: Any, kind: RowFile) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get(kind.list_key), list):
        data = data[kind.list_key]
    if not isinstance(data, list):
        raise kind.refuse(0, "body", f'expected a list of rows or {{"{kind.list_key}": [...]}}')
    return data


def parse_rows(text: str, media_type: str, kind: RowFile) -> Rows:
    """CSV for ``text/csv``, YAML for ``…yaml``, JSON otherwise."""
    media = media_type.lower()
    if "csv" in media:
        return parse_csv(text, kind)
    if "yaml" in media or "yml" in media:
        return parse_yaml(text, kind)
    return parse_json(text, kind)


def media_type_of(path: Path) -> str:
    """A file's media type from its name (the CLI reads files, not requests)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "text/csv"
    return "application/yaml" if suffix in (".yaml", ".yml") else "application/json"


async def uploaded(request: Any) -> tuple[str, str]:
    """(text, media type) of a file sent as a request body (its size is bounded by
    ``api.limits.BodyLimit``: 413 beyond); a body that is not UTF-8 is refused."""
    body: bytes = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidCommand("body", "is not UTF-8 text") from None
    return text, request.headers.get("content-type", "application/json")


def recorded_as(caller: Any, media_type: str, at: Any, key: str | None) -> dict[str, Any]:
    """How an import through the API is recorded: its source, who, when, its key."""
    source = f"api:{media_type.split(';')[0]}"
    return {"source": source, "actor": caller.employee_id, "at": at, "idempotency_key": key}


def row_file_body(row_schema: str) -> dict[str, Any]:
    """The OpenAPI request body of a whole-file import: CSV, YAML, or JSON rows."""
    rows = {"type": "array", "items": {"$ref": f"#/components/schemas/{row_schema}"}}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": rows},
            },
        }
    }
