"""The roster as the API shows it, and what an import reports."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.roster import Person


class PersonPublic(Person):
    """A roster entry (the same fields as an import row)."""


class RosterPublic(BaseModel):
    version: int
    employees: list[PersonPublic]


class RosterImportPublic(BaseModel):
    added: int
    changed: int = Field(description="employees with at least one changed field")
    removed: int
    cases_moved: int = Field(description="open cases moved to a new manager / skip-level / HR")
    version: int
