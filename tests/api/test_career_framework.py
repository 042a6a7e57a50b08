"""The career framework over HTTP: import, roster columns, ratings, target, gap, coverage,
a case frozen on its version, the reports checked by hand, and growth across cycles."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import yaml

from careerflow.demo_framework import DEMO_FRAMEWORK_CSV, with_positions
from careerflow.demo_org import DEMO_ROSTER_CSV
from tests.api import conftest as c
from tests.api.conftest import API, Api
from tests.factories import CYCLE_CLOSES, T0

SENIOR = {"track": "Engineering", "level": "Senior engineer"}
LEVEL = ("Craft", "Delivery", "Collaboration", "Communication", "Leadership")


def upload(api: Api, path: str, text: str, media: str = "text/csv", **params: Any) -> Any:
    headers = {**api.as_(c.HR_ADMIN), "Content-Type": media}
    return api.client.post(f"{API}{path}", content=text, headers=headers, params=params)


def with_framework(api: Api) -> Api:
    """The demo framework imported, and the roster re-imported with track and level."""
    api.ok(upload(api, "/framework/import", DEMO_FRAMEWORK_CSV))
    api.ok(upload(api, "/roster/import", with_positions(DEMO_ROSTER_CSV)))
    return api


def fields(response: Any) -> set[str]:
    """The fields a 422 names."""
    assert response.status_code == 422, response.text
    return {e["field"] for e in response.json()["errors"]}


def sheet(ratings: dict[str, str], **evidence: list[int]) -> dict[str, Any]:
    return {
        "ratings": [
            {"competency": c, "rating": ratings.get(c, "meets"), "evidence": evidence.get(c, [])}
            for c in LEVEL
        ]
    }


def test_a_broken_framework_is_refused_whole_with_every_row(bare_api: Api) -> None:
    broken = (
        "track,level,competency,expectation\n"
        "Engineering,Engineer I,Craft,Delivers tasks\n"
        "Engineering,Engineer I,Craft,Delivers tasks again\n"  # row 3: the same cell twice
        "Engineering,,Delivery,Finishes things\n"  # row 4: no level
        "Engineering,Engineer II,Delivery,\n"  # row 5: no expectation
    )
    refused = upload(bare_api, "/framework/import", broken)
    assert fields(refused) == {"rows[3].competency", "rows[4].level", "rows[5].expectation"}
    assert bare_api.ok(bare_api.get("/framework", c.HR_ADMIN))["version"] == 0
    missing = upload(bare_api, "/framework/import", "track,level\nA,B\n")
    assert fields(missing) == {"rows[1].competency", "rows[1].expectation"}
    listed = upload(bare_api, "/framework/import", "- [1, 2]\n", "application/yaml")
    assert fields(listed) == {"rows[1].row"}
    forbidden = bare_api.client.post(
        f"{API}/framework/import",
        content=DEMO_FRAMEWORK_CSV,
        headers={**bare_api.as_(c.EMPLOYEE), "Content-Type": "text/csv"},
    )
    assert forbidden.status_code == 403
    assert bare_api.ok(bare_api.get("/framework", c.HR_ADMIN))["versions"] == 0


def test_import_dry_run_versions_and_the_three_formats(bare_api: Api) -> None:
    dry = bare_api.ok(upload(bare_api, "/framework/import", DEMO_FRAMEWORK_CSV, dry_run="true"))
    assert (dry["dry_run"], dry["version"], dry["added"]) == (True, 0, 30)
    assert bare_api.ok(bare_api.get("/framework", c.HR_ADMIN))["version"] == 0
    first = bare_api.ok(upload(bare_api, "/framework/import", DEMO_FRAMEWORK_CSV))
    assert (first["version"], first["added"]) == (1, 30)
    framework = bare_api.ok(bare_api.get("/framework", c.HR_ADMIN))
    assert [t["name"] for t in framework["tracks"]] == ["Engineering", "Sales"]
    assert [lv["name"] for lv in framework["tracks"][0]["levels"]] == [
        "Engineer I",
        "Engineer II",
        "Senior engineer",
    ]
    assert framework["competencies"] == list(LEVEL)
    rows = list(csv.DictReader(io.StringIO(DEMO_FRAMEWORK_CSV)))
    as_json = bare_api.ok(
        upload(bare_api, "/framework/import", json.dumps(rows), "application/json")
    )
    as_yaml = bare_api.ok(
        upload(
            bare_api,
            "/framework/import",
            yaml.safe_dump({"expectations": rows}),
            "application/yaml",
        )
    )
    for same in (as_json, as_yaml):
        assert (same["version"], same["added"], same["changed"], same["removed"]) == (1, 0, 0, 0)
    changed = DEMO_FRAMEWORK_CSV.replace("Grows the next senior people", "Grows leaders")
    preview = bare_api.ok(upload(bare_api, "/framework/import", changed, dry_run="true"))
    assert preview["changed"] == 2  # both tracks expect it
    assert preview["changed_cells"][0]["new"] == "Grows leaders"
    assert bare_api.ok(upload(bare_api, "/framework/import", changed))["version"] == 2
    old = bare_api.ok(bare_api.get("/framework", c.AUDITOR, params={"version": 1}))
    assert "Grows the next senior people" in json.dumps(old)


def test_roster_track_and_level_are_checked_against_the_framework(bare_api: Api) -> None:
    placed = with_positions(DEMO_ROSTER_CSV)
    before = upload(bare_api, "/roster/import", placed)
    assert before.status_code == 422
    assert "no career framework" in before.text
    bare_api.ok(upload(bare_api, "/framework/import", DEMO_FRAMEWORK_CSV))
    wrong = placed.replace("Engineering,Engineer I\n", "Engineering,Principal\n")
    refused = upload(bare_api, "/roster/import", wrong)
    linus_row = next(i for i, line in enumerate(wrong.splitlines(), 1) if line.startswith("linus"))
    assert fields(refused) == {f"rows[{linus_row}].level"}
    assert "'Principal' is not a level of track 'Engineering'" in refused.text
    bare_api.ok(upload(bare_api, "/roster/import", placed))
    ada = bare_api.ok(bare_api.get("/roster/ada", c.MANAGER))
    assert (ada["track"], ada["level"]) == ("Engineering", "Engineer II")


def test_ratings_by_both_parties_the_target_gap_and_coverage(api: Api) -> None:
    with_framework(api)
    case = f"/cases/{api.case_id()}"
    api.clock.to(0.5)
    api.ok(api.post(f"{case}/target", c.EMPLOYEE, SENIOR))
    mine = api.ok(api.post(f"{case}/self-rating", c.EMPLOYEE, sheet({"Craft": "exceeds"})))
    career = mine["career"]
    assert career["framework_version"] == 1
    assert career["self_rating"]["position"] == {"track": "Engineering", "level": "Engineer II"}
    # Self only: Craft exceeds Engineer II = Senior engineer; the other four meet II: gaps.
    assert career["gap"] == ["Delivery", "Collaboration", "Communication", "Leadership"]
    craft = next(line for line in career["standing"] if line["competency"] == "Craft")
    assert craft["current_expectation"] == "Owns features end to end with sound design"
    assert craft["target_expectation"] == "Shapes the architecture of a whole system"

    early = api.post(f"{case}/manager-rating", c.MANAGER, sheet({}))
    assert early.status_code == 409, early.text
    assert api.post(f"{case}/self-rating", c.MANAGER, sheet({})).status_code == 403
    one = {"ratings": [{"competency": "Craft", "rating": "meets"}]}
    partial = api.post(f"{case}/self-rating", c.EMPLOYEE, one)
    assert fields(partial) == {"ratings"}
    assert "Delivery" in partial.json()["detail"]
    unknown = api.post(f"{case}/target", c.EMPLOYEE, {"track": "Engineering", "level": "CTO"})
    assert fields(unknown) == {"level"}

    api.hold_meeting()
    grace = sheet({"Craft": "exceeds", "Delivery": "exceeds", "Collaboration": "exceeds"})
    rated = api.ok(api.post(f"{case}/manager-rating", c.MANAGER, grace))["career"]
    assert rated["self_rating"]["ratings"][0]["rating"] == "exceeds"  # both kept, side by side
    assert rated["manager_rating"]["rater"] == "manager"
    assert rated["gap"] == ["Communication", "Leadership"]  # the manager's rating decides

    goals = api.ok(api.get(case, c.EMPLOYEE))["draft_goals"]
    assert goals == []
    wrong = plan(["Telepathy"])
    refused = api.post(f"{case}/plan", c.EMPLOYEE, wrong)
    assert fields(refused) == {"goals.0.competencies.0"}
    drafted = api.ok(api.post(f"{case}/plan", c.EMPLOYEE, plan(["Communication"])))
    assert drafted["career"]["coverage"] == {"Communication": True, "Leadership": False}
    api.ok(api.post(f"{case}/plan/submit", c.EMPLOYEE))
    approved = api.ok(api.post(f"{case}/plan/approve", c.MANAGER, {}))  # without full coverage
    assert approved["phase"] == "plan_approved"

    history = api.ok(api.get(f"{case}/history", c.EMPLOYEE))["entries"]
    assert [e["event"] for e in history].count("CompetenciesRated") == 2


def plan(competencies: list[str]) -> dict[str, Any]:
    return {
        "goals": [
            {
                "goal_id": "g1",
                "specific": "Write and present two design reviews",
                "measurable": {"metric": "reviews presented", "target": 2},
                "achievable": "one per quarter",
                "relevant": "the team needs written designs",
                "due_on": (T0 + timedelta(days=120)).date().isoformat(),
                "emotional_connection": "I want to be heard",
                "reflect_and_readjust": {"every": "P30D", "how": "at check-ins"},
                "competencies": competencies,
            }
        ],
        "activities": [{"kind": "mentoring", "description": "pair with Edsger"}],
        "support": {"description": "review my drafts"},
        "alignment": ["Team OKR: fewer incidents"],
    }


def test_an_open_case_keeps_its_framework_version_across_a_reimport(api: Api) -> None:
    with_framework(api)
    case = f"/cases/{api.case_id()}"
    api.ok(api.post(f"{case}/target", c.EMPLOYEE, SENIOR))
    harder = DEMO_FRAMEWORK_CSV.replace(
        "Shapes the architecture of a whole system", "Sets the technical direction"
    )
    assert api.ok(upload(api, "/framework/import", harder))["version"] == 2
    after = api.ok(api.post(f"{case}/self-rating", c.EMPLOYEE, sheet({})))["career"]
    assert after["framework_version"] == 1
    craft = next(line for line in after["standing"] if line["competency"] == "Craft")
    assert craft["target_expectation"] == "Shapes the architecture of a whole system"
    as_of = api.ok(
        api.get(f"{case}/history", c.EMPLOYEE, params={"as_of": api.clock.now.isoformat()})
    )
    assert as_of["state"]["career"]["framework_version"] == 1
    second = open_cycle(api, "Second cycle", days=200)
    fresh = api.ok(api.get(f"/cases/{api.application.case_for(second, c.EMPLOYEE).id}", c.EMPLOYEE))
    assert fresh["career"]["framework_version"] == 2


def open_cycle(api: Api, name: str, days: int) -> UUID:
    opens = T0 + timedelta(days=days)
    cycle = api.ok(
        api.post(
            "/cycles",
            c.HR_ADMIN,
            {
                "name": name,
                "opens_at": opens.isoformat(),
                "closes_at": (CYCLE_CLOSES + timedelta(days=days)).isoformat(),
            },
        ),
        201,
    )
    api.clock.to(days)
    api.ok(api.post(f"/cycles/{cycle['id']}/open", c.HR_ADMIN))
    return UUID(cycle["id"])


def test_reports_counted_by_hand_and_scoped(api: Api) -> None:
    with_framework(api)
    api.clock.to(0.5)
    # Ada (Engineering): target Senior; self-rated Craft exceeds: gaps Delivery,
    # Collaboration, Communication, Leadership. Linus (Engineering): target Engineer II,
    # self-rated all meets at Engineer I: all five are gaps. Margaret (Sales): target
    # Senior account executive, nothing rated: all five gaps.
    for who, target, ratings in (
        ("ada", SENIOR, {"Craft": "exceeds"}),
        ("linus", {"track": "Engineering", "level": "Engineer II"}, {}),
        ("margaret", {"track": "Sales", "level": "Senior account executive"}, None),
    ):
        case = f"/cases/{api.case_id(who)}"
        api.ok(api.post(f"{case}/target", who, target))
        if ratings is not None:
            api.ok(api.post(f"{case}/self-rating", who, sheet(ratings)))
    # Alan is rated by Grace at or above every expectation of Senior engineer: ready.
    alan = f"/cases/{api.case_id('alan')}"
    api.ok(api.post(f"{alan}/target", "alan", SENIOR))
    api.clock.to(1)
    proposed = {"proposed_for": (T0 + timedelta(days=10)).isoformat()}
    api.ok(api.post(f"{alan}/meeting/request", "alan", proposed))
    api.ok(api.post(f"{alan}/meeting/accept", c.MANAGER))
    api.ok(api.post(f"{alan}/manager-rating", c.MANAGER, sheet({})))
    api.project()
    cycle = f"/reports/cycles/{api.cycle_id}"
    heat = api.ok(api.get(f"{cycle}/skills-gaps", c.HR_ADMIN))
    cells = {(r["department"], r["competency"]): r["people"] for r in heat}
    assert cells == {
        ("Engineering", "Craft"): 1,
        ("Engineering", "Delivery"): 2,
        ("Engineering", "Collaboration"): 2,
        ("Engineering", "Communication"): 2,
        ("Engineering", "Leadership"): 2,
        **{("Sales", comp): 1 for comp in LEVEL},
    }
    ready = api.ok(api.get(f"{cycle}/readiness", c.HR_ADMIN))
    assert {(r["department"], r["target_level"], r["aiming"], r["ready"]) for r in ready} == {
        ("Engineering", "Senior engineer", 2, 1),
        ("Engineering", "Engineer II", 1, 0),
        ("Sales", "Senior account executive", 1, 0),
    }
    demand = api.ok(api.get(f"{cycle}/demand", c.HR_ADMIN))
    assert {(r["target_track"], r["target_level"], r["aiming"]) for r in demand} == {
        ("Engineering", "Senior engineer", 2),
        ("Engineering", "Engineer II", 1),
        ("Sales", "Senior account executive", 1),
    }
    csv = api.get(f"{cycle}/skills-gaps", c.HR_ADMIN, params={"format": "csv"})
    assert csv.text.splitlines()[0] == "department,competency,people"
    # Grace's organisation is Engineering's three: Sales is out of her scope.
    scoped = api.ok(api.get(f"{cycle}/skills-gaps", c.MANAGER))
    assert {r["department"] for r in scoped} == {"Engineering"}
    assert api.get(f"{cycle}/demand", c.EMPLOYEE).status_code == 403


def test_growth_across_two_cycles_and_level_moves(api: Api) -> None:
    with_framework(api)
    first = f"/cases/{api.case_id()}"
    api.clock.to(0.5)
    api.ok(api.post(f"{first}/self-rating", c.EMPLOYEE, sheet({"Craft": "below"})))
    ada = "ada,Ada Lovelace,ada@example.com,grace,Engineering,frances,Europe/London,Engineering"
    promoted = with_positions(DEMO_ROSTER_CSV).replace(
        f"{ada},Engineer II", f"{ada},Senior engineer"
    )
    api.clock.to(150)
    api.ok(upload(api, "/roster/import", promoted))
    second = open_cycle(api, "Second cycle", days=200)
    case = f"/cases/{api.application.case_for(second, c.EMPLOYEE).id}"
    api.clock.to(200.5)
    api.ok(api.post(f"{case}/self-rating", c.EMPLOYEE, sheet({"Craft": "exceeds"})))
    api.project()
    growth = api.ok(api.get("/people/ada/growth", c.EMPLOYEE))
    assert growth["position"] == SENIOR
    craft = next(g for g in growth["competencies"] if g["competency"] == "Craft")
    assert [(x["cycle_name"], x["level"], x["self"], x["manager"]) for x in craft["cycles"]] == [
        ("Career conversations 2026", "Engineer II", "below", None),
        ("Second cycle", "Senior engineer", "exceeds", None),
    ]
    assert [(m["track"], m["level"]) for m in growth["moves"]] == [
        ("Engineering", "Engineer II"),
        ("Engineering", "Senior engineer"),
    ]
    assert api.ok(api.get("/people/ada/growth", c.MANAGER))["employee_id"] == "ada"
    assert api.get("/people/ada/growth", "margaret").status_code == 404
