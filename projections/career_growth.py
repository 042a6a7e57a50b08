"""Where people stand on the career framework: gaps, readiness, ratings over time, moves.

* ``framework_versions``: every imported version (the gap is worked out against the
  one each case keeps).
* ``career_positions``: one row per case with ratings or a target — both raters'
  newest sheets, the target, the gap competencies and readiness
  (``domain/career_gap.py`` decides them; reports count them).
* ``competency_ratings``: each case's newest rating per rater and competency (a
  person's growth across cycles; the case's employee and cycle are ``case_status``'s).
* ``position_moves``: every track and level a roster import gave someone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    delete,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, insert

from domain.career_gap import Position, Rater, RatingSheet, gaps, ready, standing
from domain.case_framework import CompetenciesRated, TargetNamed
from domain.framework import CareerFramework, FrameworkBook
from domain.roster import Roster
from projections.runner import ReadModel


def define(metadata: MetaData, suffix: str) -> dict[str, Table]:
    return {
        "framework_versions": Table(
            "framework_versions" + suffix,
            metadata,
            Column("version", Integer, primary_key=True),
            Column("framework", JSONB, nullable=False),
            Column("imported_at", DateTime(timezone=True), nullable=False),
        ),
        "career_positions": Table(
            "career_positions" + suffix,
            metadata,
            Column("case_id", Uuid, primary_key=True),
            Column("framework_version", Integer, nullable=False),
            Column("self_sheet", JSONB),
            Column("manager_sheet", JSONB),
            Column("target_track", Text),
            Column("target_level", Text),
            Column("gaps", ARRAY(Text), nullable=False),
            Column("ready", Boolean, nullable=False),
        ),
        "competency_ratings": Table(
            "competency_ratings" + suffix,
            metadata,
            Column("case_id", Uuid, primary_key=True),
            Column("rater", Text, primary_key=True),
            Column("competency", Text, primary_key=True),
            Column("rating", Text, nullable=False),
            Column("track", Text, nullable=False),
            Column("level", Text, nullable=False),
            Column("rated_at", DateTime(timezone=True), nullable=False),
        ),
        "position_moves": Table(
            "position_moves" + suffix,
            metadata,
            Column("employee_id", Text, primary_key=True),
            Column("position", Integer, primary_key=True),
            Column("at", DateTime(timezone=True), nullable=False),
            Column("track", Text),
            Column("level", Text),
        ),
    }


class CareerGrowth(ReadModel):
    name = "career_growth"

    @classmethod
    def handled(cls) -> frozenset[type]:
        return frozenset(
            {
                FrameworkBook.FrameworkImported,
                CompetenciesRated,
                TargetNamed,
                Roster.RosterImported,
            }
        )

    def __init__(self, version: int = 1) -> None:
        super().__init__(version)
        self.frameworks: dict[int, CareerFramework] = {}

    @classmethod
    def define(cls, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define(metadata, suffix)

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if isinstance(event, FrameworkBook.FrameworkImported):
            table = self.tables["framework_versions"]
            row = {
                "version": event.framework.version,
                "framework": event.framework.model_dump(mode="json"),
                "imported_at": event.timestamp,
            }
            conn.execute(insert(table).values(row).on_conflict_do_nothing())
        elif isinstance(event, CompetenciesRated):
            self._rated(conn, event)
        elif isinstance(event, TargetNamed):
            self._standing(conn, event.originator_id, event.framework_version, target=event.target)
        elif isinstance(event, Roster.RosterImported):
            self._moves(conn, event, position)

    def _rated(self, conn: Connection, event: Any) -> None:
        sheet: RatingSheet = event.sheet
        table = self.tables["competency_ratings"]
        where = (table.c.case_id == event.originator_id) & (table.c.rater == sheet.rater.value)
        conn.execute(delete(table).where(where))
        conn.execute(
            insert(table),
            [
                {
                    "case_id": event.originator_id,
                    "rater": sheet.rater.value,
                    "competency": r.competency,
                    "rating": r.rating.value,
                    "track": sheet.position.track,
                    "level": sheet.position.level,
                    "rated_at": event.timestamp,
                }
                for r in sheet.ratings
            ],
        )
        self._standing(conn, event.originator_id, sheet.framework_version, sheet=sheet)

    def _standing(
        self,
        conn: Connection,
        case_id: Any,
        version: int,
        *,
        sheet: RatingSheet | None = None,
        target: Position | None = None,
    ) -> None:
        """Recompute the case's gap and readiness from its newest sheets and target."""
        table = self.tables["career_positions"]
        row = conn.execute(select(table).where(table.c.case_id == case_id)).mappings().first()
        state = dict(row) if row is not None else {"case_id": case_id}
        state["framework_version"] = state.get("framework_version") or version
        if sheet is not None:
            state[f"{sheet.rater.value}_sheet"] = sheet.model_dump(mode="json")
        if target is not None:
            state["target_track"], state["target_level"] = target.track, target.level
        sheets = {
            rater: RatingSheet.model_validate(state[f"{rater.value}_sheet"])
            if state.get(f"{rater.value}_sheet")
            else None
            for rater in Rater
        }
        state["gaps"], state["ready"] = [], False
        if state.get("target_track"):
            framework = self._framework(conn, state["framework_version"])
            goal = Position(track=state["target_track"], level=state["target_level"])
            lines = standing(framework, goal, sheets[Rater.SELF], sheets[Rater.MANAGER])
            state["gaps"] = gaps(lines)
            state["ready"] = ready(framework, goal, sheets[Rater.MANAGER])
        statement = insert(table).values(state)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["case_id"],
                set_={k: statement.excluded[k] for k in state if k != "case_id"},
            )
        )

    def _framework(self, conn: Connection, version: int) -> CareerFramework:
        known = self.frameworks.get(version)
        if known is None:
            table = self.tables["framework_versions"]
            document = conn.execute(
                select(table.c.framework).where(table.c.version == version)
            ).scalar()
            known = CareerFramework.model_validate(document) if document else CareerFramework()
            if document:
                self.frameworks[version] = known
        return known

    def _moves(self, conn: Connection, event: Any, position: int) -> None:
        moved: dict[str, dict[str, Any]] = {}
        for person in event.added:
            if person.track is not None:
                moved[person.employee_id] = {"track": person.track, "level": person.level}
        for change in event.changes:
            if change.field in ("track", "level"):
                moved.setdefault(change.employee_id, {})[change.field] = change.new
        if not moved:
            return
        table = self.tables["position_moves"]
        rows = [
            {"employee_id": e, "position": position, "at": event.timestamp, **m}
            for e, m in moved.items()
        ]
        for start in range(0, len(rows), 5_000):
            chunk = rows[start : start + 5_000]
            for row in chunk:  # a change of track alone keeps the level (and vice versa)
                row.setdefault("track", None)
                row.setdefault("level", None)
            conn.execute(insert(table).values(chunk).on_conflict_do_nothing())


views = CareerGrowth.views()
framework_versions = views["framework_versions"]
career_positions = views["career_positions"]
competency_ratings = views["competency_ratings"]
position_moves = views["position_moves"]
