"""What the application's operations report back to their callers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.action_item import ActionItem
from domain.base import CareerAggregate
from domain.case import DevelopmentCase
from domain.framework import FrameworkDiff


@dataclass(frozen=True)
class RosterImport:
    """What a roster import recorded (or, on a dry run, would record) and did to open cases."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    cases_moved: int
    cases_withdrawn: int
    version: int
    dry_run: bool = False


@dataclass(frozen=True)
class FrameworkImport:
    """What a framework import changed (or, on a dry run, would change), and the version now."""

    diff: FrameworkDiff
    version: int
    dry_run: bool = False


@dataclass(frozen=True)
class Executed:
    """What a command touched: its case, its action item (for item commands), and if it changed."""

    case: DevelopmentCase
    item: ActionItem | None
    changed: bool
    created: tuple[CareerAggregate, ...] = ()


Authorize = Callable[[DevelopmentCase, ActionItem | None], None]
"""The caller's access check: sees the loaded case (and item) before anything is decided."""


@dataclass(frozen=True)
class BatchResult:
    """What a batched cycle operation did: how many cases it changed, and how many it found done."""

    changed: int
    unchanged: int


ProgressCallback = Callable[[int], None]
"""Called with the number of cases handled by each saved batch."""
