"""The roster: validation as a whole (row numbers), diffs on re-import, relationships."""

from __future__ import annotations

import pytest

from api.roster_files import parse_csv, parse_json
from domain.base import By
from domain.roster import Relation, Roster, RosterInvalid
from domain.roster_validation import validate_roster
from tests.factories import T0, at

HEADER = "employee_id,name,email,manager_id,department,hr_partner_id,timezone\n"
GOOD = HEADER + (
    "ceo,Chief,ceo@example.com,,Exec,hr,\n"
    "hr,Harper,hr@example.com,ceo,People,,\n"
    "vp,Vera,vp@example.com,ceo,Eng,hr,\n"
    "mgr,Max,mgr@example.com,vp,Eng,hr,Europe/Paris\n"
    'emp,"Eve, Jr.",EVE@example.com,mgr,Eng,hr,\n'
    "other,Otto,otto@example.com,ceo,Sales,,\n"
)


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(RosterInvalid) as caught:
        validate_roster(parse_csv(text))
    return [(p.row, p.field) for p in caught.value.problems]


def imported(text: str = GOOD) -> Roster:
    roster = Roster.start(by=By("hr", T0))
    roster.import_people(people=validate_roster(parse_csv(text)), source="t", by=By("hr", T0))
    return roster


def test_a_good_roster_reads_with_quoting_and_normalised_emails() -> None:
    people = {p.employee_id: p for p in validate_roster(parse_csv(GOOD))}
    assert people["emp"].name == "Eve, Jr."
    assert people["emp"].email == "eve@example.com"
    assert people["ceo"].manager_id is None
    assert people["mgr"].timezone == "Europe/Paris"


def test_every_problem_is_reported_with_its_row_number() -> None:
    text = HEADER + (
        "a,A,not-an-email,,X,,\n"  # row 2
        "b,B,b@example.com,ghost,X,,\n"  # row 3: unknown manager
        "b,B2,b2@example.com,a,X,,\n"  # row 4: duplicate id
        "c,C,c@example.com,d,X,,Mars/Base\n"  # row 5: loop c -> d -> c, bad zone
        "d,D,d@example.com,c,X,nobody,\n"  # row 6: loop, unknown hr partner
    )
    assert problems(text) == [
        (2, "email"),
        (3, "manager_id"),
        (4, "employee_id"),
        (5, "manager_id"),
        (5, "timezone"),
        (6, "hr_partner_id"),
        (6, "manager_id"),
    ]


def test_missing_columns_are_reported_against_the_header() -> None:
    assert sorted(problems("employee_id,name,email\na,A,a@example.com\n")) == [
        (1, "department"),
        (1, "hr_partner_id"),
        (1, "manager_id"),
    ]


def test_json_rows_are_numbered_from_one() -> None:
    rows = parse_json('{"employees": [{"employee_id": "a", "name": "A"}, 3]}')
    with pytest.raises(RosterInvalid) as caught:
        validate_roster(rows)
    assert {(p.row, p.field) for p in caught.value.problems} >= {(1, "email"), (2, "row")}


def test_relationships_come_from_the_roster() -> None:
    roster = imported()
    assert roster.relation("emp", "emp") is Relation.SELF
    assert roster.relation("mgr", "emp") is Relation.MANAGER
    assert roster.relation("vp", "emp") is Relation.SKIP_LEVEL
    assert roster.relation("hr", "emp") is Relation.HR_PARTNER
    assert roster.relation("other", "emp") is Relation.NONE
    assert roster.relation("ceo", "emp") is Relation.NONE  # three levels up: reports only
    assert roster.in_organisation("ceo", "emp")
    participants = roster.participants("emp")
    assert participants is not None
    assert (participants.manager_id, participants.skip_level_id) == ("mgr", "vp")
    assert roster.participants("ceo") is None
    assert set(roster.visible_to("vp")) == {"vp", "mgr", "emp"}
    assert set(roster.visible_to("hr")) == {"hr", "vp", "mgr", "emp"} | {"ceo"}


def test_a_reimport_records_only_what_changed() -> None:
    roster = imported()
    roster.collect_events()
    moved = GOOD.replace('emp,"Eve, Jr.",EVE@example.com,mgr', 'emp,"Eve, Jr.",eve@example.com,vp')
    moved = moved.replace("other,Otto,otto@example.com,ceo,Sales,,\n", "")
    moved += "new,Nia,nia@example.com,mgr,Eng,hr,\n"
    roster.import_people(people=validate_roster(parse_csv(moved)), source="t", by=By("hr", at(1)))
    (event,) = roster.collect_events()
    assert isinstance(event, Roster.RosterImported)
    assert [p.employee_id for p in event.added] == ["new"]
    assert event.removed == ["other"]
    assert [(c.employee_id, c.field, c.old, c.new) for c in event.changes] == [
        ("emp", "manager_id", "mgr", "vp")
    ]
    assert roster.manager_of("emp") == "vp"
    roster.import_people(people=validate_roster(parse_csv(moved)), source="t", by=By("hr", at(2)))
    assert roster.collect_events() == []
