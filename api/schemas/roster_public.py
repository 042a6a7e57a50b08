"""The roster as the API shows it, and what an import reports."""

from __future__ import annotations

from pydantic import BaseModel, Field

from application.outcomes import RosterImport
from domain.roster import Person


class PersonPublic(Person):
    """A roster entry (the same fields as an import row)."""


class RosterPublic(BaseModel):
    version: int
    employees: list[PersonPublic]


LISTED = 100
"""How many ids of each kind an import lists (the counts are always complete)."""


class RosterImportPublic(BaseModel):
    dry_run: bool = Field(description="true: nothing was written, this is what would change")
    added: int
    changed: int = Field(description="employees with at least one changed field")
    removed: int
    added_ids: list[str] = Field(description=f"the first {LISTED} added")
    changed_ids: list[str] = Field(description=f"the first {LISTED} changed")
    removed_ids: list[str] = Field(description=f"the first {LISTED} removed")
    cases_moved: int = Field(description="open cases moved to a new manager / skip-level / HR")
    cases_withdrawn: int = Field(description="open cases of removed people, closed as withdrawn")
    version: int

    @classmethod
    def of(cls, result: RosterImport) -> RosterImportPublic:
        return cls(
            dry_run=result.dry_run,
            added=len(result.added),
            changed=len(result.changed),
            removed=len(result.removed),
            added_ids=result.added[:LISTED],
            changed_ids=result.changed[:LISTED],
            removed_ids=result.removed[:LISTED],
            cases_moved=result.cases_moved,
            cases_withdrawn=result.cases_withdrawn,
            version=result.version,
        )
