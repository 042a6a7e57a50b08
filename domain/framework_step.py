"""The base of the steps judged against the career framework (``framework_commands``).

Apart from the step modules, so the step catalog lists only steps with a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.base import By, CareerAggregate
from domain.career_gap import Position
from domain.case import DevelopmentCase
from domain.commands import CaseCommand
from domain.framework import CareerFramework


@dataclass(frozen=True)
class FrameworkTerms:
    """What a framework step is judged by: the case's framework version, and where the
    roster places the employee (None: no track and level)."""

    framework: CareerFramework
    position: Position | None


class FrameworkStep(CaseCommand):
    """A step that needs the case's framework (``CommandPath`` supplies it)."""

    def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
        raise TypeError(f"{type(self).__name__} is applied with the case's framework terms")

    def apply_with(
        self, case: DevelopmentCase, terms: FrameworkTerms, by: By
    ) -> Sequence[CareerAggregate]:
        raise NotImplementedError
