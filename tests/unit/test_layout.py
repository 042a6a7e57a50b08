"""The tree's own rules: one file name per module, and no module too long to read."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tests.unit.test_import_rules import OURS, ROOT

PACKAGES = tuple(OURS)
SHARED_BY_CONVENTION = {"__init__.py", "conftest.py"}
MAX_LINES = 500


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_two_modules_share_a_file_name() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in modules():
        if path.name not in SHARED_BY_CONVENTION:
            by_name[path.name].append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_class_of_the_application_service_is_over_200_lines() -> None:
    import ast

    long = {}
    for path in sorted((ROOT / "application").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            size = (node.end_lineno or 0) - node.lineno + 1 if isinstance(node, ast.ClassDef) else 0
            if size > 200:
                long[f"{path.name}:{getattr(node, 'name', '')}"] = size
    assert long == {}
