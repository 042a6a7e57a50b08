"""A person's growth on the career framework: ratings cycle by cycle, and level moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from domain.career_gap import Position


class CycleRatings(BaseModel):
    cycle_id: UUID
    cycle_name: str
    track: str = Field(description="the track and level the ratings were against")
    level: str
    self: str | None = Field(description="below, meets or exceeds (the employee's own)")
    manager: str | None = Field(description="below, meets or exceeds (the manager's)")
    rated_at: datetime


class CompetencyGrowth(BaseModel):
    competency: str
    cycles: list[CycleRatings] = Field(description="oldest cycle first")


class LevelMove(BaseModel):
    at: datetime
    track: str | None
    level: str | None


class GrowthPublic(BaseModel):
    employee_id: str
    position: Position | None = Field(description="where the roster places them now")
    competencies: list[CompetencyGrowth]
    moves: list[LevelMove] = Field(description="the tracks and levels roster imports gave them")

    @classmethod
    def of(
        cls,
        employee_id: str,
        position: Position | None,
        ratings: list[dict[str, Any]],
        moves: list[dict[str, Any]],
        cycle_names: dict[UUID, str],
    ) -> GrowthPublic:
        by_competency: dict[str, dict[UUID, dict[str, Any]]] = {}
        for row in ratings:
            cycles = by_competency.setdefault(row["competency"], {})
            entry = cycles.setdefault(
                row["cycle_id"],
                {
                    "cycle_id": row["cycle_id"],
                    "cycle_name": cycle_names.get(row["cycle_id"], str(row["cycle_id"])),
                    "track": row["track"],
                    "level": row["level"],
                    "self": None,
                    "manager": None,
                    "rated_at": row["rated_at"],
                },
            )
            entry[row["rater"]] = row["rating"]
            entry["rated_at"] = max(entry["rated_at"], row["rated_at"])
        carried: dict[str, str | None] = {"track": None, "level": None}
        shown = []
        for move in moves:  # a change of level alone keeps the track (and vice versa)
            carried = {k: move[k] if move[k] is not None else carried[k] for k in carried}
            shown.append(LevelMove(at=move["at"], **carried))
        return cls(
            employee_id=employee_id,
            position=position,
            competencies=[
                CompetencyGrowth(
                    competency=name,
                    cycles=[CycleRatings.model_validate(c) for c in cycles.values()],
                )
                for name, cycles in by_competency.items()
            ],
            moves=shown,
        )
