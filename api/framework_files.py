"""Reading a career framework file (CSV, JSON or YAML) into numbered rows."""

from __future__ import annotations

from api.row_files import RowFile, parse_rows
from domain.framework import COLUMNS, CareerFramework, FrameworkInvalid, validate_framework

FRAMEWORK = RowFile(COLUMNS, (), FrameworkInvalid, "expectations")


def read_framework(text: str, media_type: str) -> CareerFramework:
    """The framework a file holds, validated as a whole (``FrameworkInvalid`` otherwise)."""
    return validate_framework(parse_rows(text, media_type, FRAMEWORK))
