"""Absences as the API shows and takes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.absences import Absence
from domain.values import PersonId


class AbsenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: PersonId | None = Field(
        None, description="who is away; yourself when left out (HR: anyone they look after)"
    )
    starts_on: date = Field(description="the first day away, in the person's time zone")
    ends_on: date = Field(description="the last day away (inclusive)")
    delegate_id: PersonId | None = Field(
        None,
        description="who acts for them meanwhile; none: what is addressed to them goes to "
        "the next rung of the ladder (their manager, skip-level, HR partner)",
    )


class AbsencePublic(BaseModel):
    number: int
    employee_id: str
    starts_on: date
    ends_on: date
    delegate_id: str | None
    starts_at: datetime
    ends_at: datetime = Field(description="the first moment back (earlier when ended early)")
    ended_early: bool
    state: Literal["upcoming", "current", "over"]

    @classmethod
    def of(cls, absence: Absence, now: datetime) -> AbsencePublic:
        state: Literal["upcoming", "current", "over"] = (
            "upcoming" if now < absence.starts_at else "current" if absence.covers(now) else "over"
        )
        return cls(**absence.model_dump(), state=state)


class AbsencesPage(BaseModel):
    absences: list[AbsencePublic] = Field(description="the person's absences, newest first")
    acting_for: list[str] = Field(
        description="whom the caller is the delegate of right now (they act for them)"
    )
