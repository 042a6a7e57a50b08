"""A person's growth, read from the career read models (for the API and the pages)."""

from __future__ import annotations

from sqlalchemy import Engine

from api.schemas.growth_public import GrowthPublic
from application.service import CareerFlow
from domain.career_gap import Position
from domain.roster import Roster
from projections import career_reports


def growth_of(
    application: CareerFlow, engine: Engine, roster: Roster, employee_id: str
) -> GrowthPublic:
    with engine.connect() as conn:
        ratings = career_reports.ratings_of(conn, employee_id)
        moves = career_reports.moves_of(conn, employee_id)
    person = roster.get(employee_id)
    position = None
    if person is not None and person.track and person.level:
        position = Position(track=person.track, level=person.level)
    names = {c.id: c.name for c in application.list_cycles()}
    return GrowthPublic.of(employee_id, position, ratings, moves, names)
