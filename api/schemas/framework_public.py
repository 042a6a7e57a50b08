"""The career framework as the API shows it, and what an import reports."""

from __future__ import annotations

from pydantic import BaseModel, Field

from application.outcomes import FrameworkImport
from domain.framework import CareerFramework, Cell, CellChange, Track

LISTED = 100
"""How many cells of each kind an import lists (the counts are always complete)."""


class FrameworkPublic(BaseModel):
    version: int = Field(description="0: no framework imported yet")
    versions: int = Field(description="how many versions were imported")
    competencies: list[str]
    tracks: list[Track]

    @classmethod
    def of(cls, framework: CareerFramework, versions: int) -> FrameworkPublic:
        return cls(
            version=framework.version,
            versions=versions,
            competencies=framework.competencies,
            tracks=framework.tracks,
        )


class FrameworkImportPublic(BaseModel):
    dry_run: bool = Field(description="true: nothing was written, this is what would change")
    version: int = Field(description="the current version after the import")
    added: int
    changed: int
    removed: int
    added_cells: list[Cell] = Field(description=f"the first {LISTED} expectations added")
    changed_cells: list[CellChange] = Field(description=f"the first {LISTED} changed")
    removed_cells: list[Cell] = Field(description=f"the first {LISTED} removed")

    @classmethod
    def of(cls, result: FrameworkImport) -> FrameworkImportPublic:
        diff = result.diff
        return cls(
            dry_run=result.dry_run,
            version=result.version,
            added=len(diff.added),
            changed=len(diff.changed),
            removed=len(diff.removed),
            added_cells=diff.added[:LISTED],
            changed_cells=diff.changed[:LISTED],
            removed_cells=diff.removed[:LISTED],
        )
