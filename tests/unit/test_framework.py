"""The career framework's rules, pure: validation as a whole, versions, the gap, coverage."""

from __future__ import annotations

import pytest

from api.framework_files import read_framework
from api.roster_files import parse_csv
from careerflow.demo_framework import DEMO_FRAMEWORK_CSV
from domain import errors
from domain.base import By
from domain.career_gap import (
    CompetencyRating,
    Position,
    Rater,
    Rating,
    RatingSheet,
    coverage,
    gaps,
    ready,
    standing,
)
from domain.framework import (
    MAX_COMPETENCIES,
    MAX_LEVELS,
    FrameworkBook,
    FrameworkInvalid,
    validate_framework,
)
from domain.roster import RosterInvalid
from domain.roster_validation import validate_roster
from tests.factories import T0

FRAMEWORK = read_framework(DEMO_FRAMEWORK_CSV, "text/csv").model_copy(update={"version": 1})
II = Position(track="Engineering", level="Engineer II")
SENIOR = Position(track="Engineering", level="Senior engineer")
LEVEL = ("Craft", "Delivery", "Collaboration", "Communication", "Leadership")


def rows(*cells: tuple[str, str, str, str]) -> list[tuple[int, dict[str, str] | str]]:
    keys = ("track", "level", "competency", "expectation")
    return [(n, dict(zip(keys, cell, strict=True))) for n, cell in enumerate(cells, start=2)]


def sheet(rater: Rater, at: Position, **ratings: str) -> RatingSheet:
    return RatingSheet(
        rater=rater,
        framework_version=1,
        position=at,
        ratings=[
            CompetencyRating(competency=c, rating=Rating(ratings.get(c, "meets"))) for c in LEVEL
        ],
    )


def test_levels_keep_the_files_order_and_competencies_may_skip_a_level() -> None:
    framework = validate_framework(
        rows(
            ("IC", "Senior", "Craft", "Shapes systems"),
            ("IC", "Junior", "Craft", "Learns"),
            ("IC", "Senior", "Mentoring", "Grows others"),
        )
    )
    assert [lv.name for lv in framework.tracks[0].levels] == ["Senior", "Junior"]
    assert framework.expectations("IC", "Junior") == {"Craft": "Learns"}
    assert framework.competencies == ["Craft", "Mentoring"]
    assert framework.rank("IC", "Junior") == 2


def test_every_problem_is_reported_with_its_row_and_nothing_is_returned() -> None:
    with pytest.raises(FrameworkInvalid) as refused:
        validate_framework(
            [
                *rows(("IC", "Junior", "Craft", "Learns"), ("IC", "Junior", "Craft", "Again")),
                (4, "has more cells than the header"),
                (5, {"track": "IC", "level": "L" * 101, "competency": "C", "expectation": "E"}),
            ]
        )
    found = {(p.row, p.field) for p in refused.value.problems}
    assert found == {(3, "competency"), (4, "row"), (5, "level")}
    with pytest.raises(FrameworkInvalid, match="no rows"):
        validate_framework([])


def test_sizes_are_bounded() -> None:
    levels = [("IC", f"L{i}", "Craft", "x") for i in range(MAX_LEVELS + 1)]
    with pytest.raises(FrameworkInvalid, match=f"at most {MAX_LEVELS} levels"):
        validate_framework(rows(*levels))
    many = [("IC", "L", f"C{i}", "x") for i in range(MAX_COMPETENCIES + 1)]
    with pytest.raises(FrameworkInvalid, match=f"at most {MAX_COMPETENCIES} competencies"):
        validate_framework(rows(*many))


def test_an_unchanged_import_is_no_new_version_and_every_version_is_kept() -> None:
    book = FrameworkBook.start(by=By("hr", T0))
    framework = read_framework(DEMO_FRAMEWORK_CSV, "text/csv")
    book.import_framework(framework=framework, source="t", by=By("hr", T0))
    book.import_framework(framework=framework, source="t", by=By("hr", T0))
    assert len(book.versions) == 1
    changed = DEMO_FRAMEWORK_CSV.replace("Grows the next senior people", "Grows leads")
    book.import_framework(
        framework=read_framework(changed, "text/csv"), source="t", by=By("hr", T0)
    )
    assert [v.version for v in book.versions] == [1, 2]
    assert book.at(1).expectations("Engineering", "Senior engineer")["Leadership"] == (
        "Grows the next senior people"
    )
    assert book.current.version == 2
    with pytest.raises(errors.InvalidCommand):
        book.at(3)


def test_the_gap_uses_the_managers_rating_and_places_ratings_on_the_ladder() -> None:
    own = sheet(Rater.SELF, II, Craft="exceeds")
    assert gaps(standing(FRAMEWORK, SENIOR, own, None)) == [
        "Delivery",
        "Collaboration",
        "Communication",
        "Leadership",
    ]
    assert gaps(standing(FRAMEWORK, II, own, None)) == []  # meeting the current level
    manager = sheet(Rater.MANAGER, II, Craft="below", Delivery="exceeds")
    lines = standing(FRAMEWORK, SENIOR, own, manager)
    craft = next(line for line in lines if line.competency == "Craft")
    assert (craft.rating, craft.rated_by, craft.gap) == (Rating.BELOW, Rater.MANAGER, True)
    assert craft.current_expectation == "Owns features end to end with sound design"
    assert "Delivery" not in gaps(lines)
    assert not ready(FRAMEWORK, SENIOR, manager)
    everything = dict.fromkeys(LEVEL, "exceeds")
    assert ready(FRAMEWORK, SENIOR, sheet(Rater.MANAGER, II, **everything))
    assert not ready(FRAMEWORK, SENIOR, None)
    unrated = standing(FRAMEWORK, SENIOR, None, None)
    assert all(line.gap and line.rating is None for line in unrated)


def test_coverage_names_the_gap_competencies_a_goal_develops() -> None:
    assert coverage(["Craft", "Delivery"], [["Delivery"], ["Telepathy"]]) == {
        "Craft": False,
        "Delivery": True,
    }


def test_the_rosters_track_and_level_must_be_the_frameworks() -> None:
    header = "employee_id,name,email,manager_id,department,hr_partner_id,track,level\n"
    boss = "boss,Boss,boss@example.com,,Exec,,,\n"

    def roster(line: str, positions: dict[str, list[str]] | None) -> None:
        validate_roster(parse_csv(header + boss + line), positions)

    positions = FRAMEWORK.positions()
    roster("ada,Ada,ada@example.com,boss,Eng,,Engineering,Engineer II\n", positions)
    for line, where, reason in (
        ("ada,Ada,ada@example.com,boss,Eng,,Engineering,\n", "level", "or neither"),
        ("ada,Ada,ada@example.com,boss,Eng,,Design,Engineer II\n", "track", "not a track"),
        ("ada,Ada,ada@example.com,boss,Eng,,Sales,Engineer II\n", "level", "not a level"),
    ):
        with pytest.raises(RosterInvalid) as refused:
            roster(line, positions)
        [problem] = refused.value.problems
        assert (problem.row, problem.field) == (3, where)
        assert reason in problem.reason
    with pytest.raises(RosterInvalid, match="no career framework"):
        roster("ada,Ada,ada@example.com,boss,Eng,,Engineering,Engineer II\n", None)


def test_a_yaml_file_may_not_expand_itself_with_aliases() -> None:
    bomb = 'a: &a ["x", "x"]\nb: &b [*a, *a]\nexpectations: [*b, *b]\n'
    with pytest.raises(FrameworkInvalid, match="aliases"):
        read_framework(bomb, "application/yaml")
    with pytest.raises(FrameworkInvalid, match="not YAML"):
        read_framework("- !!python/object:os.system {}\n", "application/yaml")
