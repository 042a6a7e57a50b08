"""Every step the service knows, read from the command modules' records.

Importing this module imports every command module, so each command's record is
registered (``domain.commands.STEP_COMMANDS``). The lists are read at call time: a
step declared later (a plug-in, a test's toy step) is in them from then on.
"""

from __future__ import annotations

from typing import TypeVar

from domain import (
    commands,
    framework_commands,
    item_commands,
    note_commands,
    plan_commands,
    timer_commands,
)
from domain.commands import STEP_COMMANDS, CaseCommand, Command, ItemCommand
from domain.step_records import StepRecord, TaskRule

C = TypeVar("C", bound=type[Command])

MODULES = (
    commands,
    plan_commands,
    framework_commands,
    note_commands,
    item_commands,
    timer_commands,
)
"""The modules where the process's steps are declared."""


def case_steps() -> list[type[CaseCommand]]:
    """Every case command with its record, in the order of the process."""
    found = [c for c in STEP_COMMANDS if issubclass(c, CaseCommand)]
    return sorted(found, key=lambda c: (c.step.stage is None, c.step.stage or 0))


def item_steps() -> list[type[ItemCommand]]:
    return [c for c in STEP_COMMANDS if issubclass(c, ItemCommand)]


def records() -> list[StepRecord]:
    return [c.step for c in STEP_COMMANDS]


_RULES: dict[tuple[int, int], tuple[TaskRule, ...]] = {}


def task_rules() -> tuple[TaskRule, ...]:
    """The tasks that steps open by a rule of their own (``StepRecord.opens``).

    Asked for every case event the tasks read model applies, so the answer is kept
    until a step is declared or withdrawn (the list's length or its last entry changes).
    """
    key = (len(STEP_COMMANDS), id(STEP_COMMANDS[-1]) if STEP_COMMANDS else 0)
    rules = _RULES.get(key)
    if rules is None:
        _RULES.clear()
        rules = _RULES[key] = tuple(r.opens for r in records() if r.opens is not None)
    return rules


def routed(commands: list[C]) -> list[tuple[str, C]]:
    """(path, command) for each step whose record gives it the generic route."""
    return [(c.step.path, c) for c in commands if c.step.routed and c.step.path is not None]
