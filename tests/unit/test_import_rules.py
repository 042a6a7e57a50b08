"""The arrows between the top-level packages, read from every module's imports.

* ``domain`` imports no other package of ours, and no infrastructure framework;
* ``application`` (the service layer) imports only ``domain``, and no web,
  SQL or Temporal framework (eventsourcing persists through the environment);
* ``eventlog`` imports only ``domain`` and ``application``;
* ``workflows``, ``projections`` and ``notifications`` import ``domain``,
  ``application`` and ``eventlog``, never each other, ``api`` or ``careerflow``;
* ``api`` imports anything but ``careerflow`` (the composition root wires it);
* ``careerflow`` (the composition root), ``bench`` and ``tests`` may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = {
    "application",
    "domain",
    "eventlog",
    "workflows",
    "projections",
    "notifications",
    "api",
    "careerflow",
    "bench",
    "tests",
}
ALLOWED: dict[str, set[str]] = {
    "domain": {"domain"},
    "application": {"domain", "application"},
    "eventlog": {"domain", "application", "eventlog"},
    "workflows": {"domain", "application", "eventlog", "workflows"},
    "projections": {"domain", "application", "eventlog", "projections"},
    "notifications": {"domain", "application", "eventlog", "notifications"},
    "api": {
        "domain",
        "application",
        "eventlog",
        "projections",
        "notifications",
        "workflows",
        "api",
    },
}
INFRASTRUCTURE = {"temporalio", "sqlalchemy", "fastapi", "starlette", "psycopg", "httpx"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def wrong_arrows(root: Path) -> list[str]:
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((root / package).rglob("*.py")):
            for name in imported_modules(path):
                top = name.split(".")[0]
                if (top in OURS and top not in allowed) or (
                    package in ("domain", "application") and top in INFRASTRUCTURE
                ):
                    wrong.append(f"{path.relative_to(root)} imports {name}")
    return wrong


def test_every_import_follows_the_arrows() -> None:
    assert wrong_arrows(ROOT) == []


def test_a_wrong_arrow_is_caught(tmp_path: Path) -> None:
    (tmp_path / "projections").mkdir()
    (tmp_path / "projections" / "bad.py").write_text(
        "from notifications.inbox import inbox\nimport workflows.relay\n"
    )
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "leaky.py").write_text("from sqlalchemy import select\n")
    (tmp_path / "domain" / "upward.py").write_text("from application.service import CareerFlow\n")
    (tmp_path / "application").mkdir()
    (tmp_path / "application" / "web.py").write_text("import fastapi\nfrom api import app\n")
    assert sorted(wrong_arrows(tmp_path)) == [
        "application/web.py imports api",
        "application/web.py imports fastapi",
        "domain/leaky.py imports sqlalchemy",
        "domain/upward.py imports application.service",
        "projections/bad.py imports notifications.inbox",
        "projections/bad.py imports workflows.relay",
    ]


def test_pages_never_call_route_functions() -> None:
    """Pages use the application, the access rules and the read models, not the routes."""
    pages = sorted((ROOT / "api" / "pages").rglob("*.py"))
    assert pages
    calls = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in pages
        for name in imported_modules(p)
        if name.startswith("api.routes")
    ]
    assert calls == []
