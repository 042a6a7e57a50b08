"""The roster: validation as a whole (row numbers), diffs on re-import, relationships."""

from __future__ import annotations

import pytest

from api.roster_files import parse_csv, parse_json
from domain.base import By
from domain.roster import Person, Relation, Roster, RosterInvalid
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


EVERY_COLUMN = (
    "employee_id,name,email,manager_id,department,hr_partner_id,timezone,track,level,"
    "active,external_id,employee_number,start_date,locale\n"
)


def test_a_re_import_takes_unchanged_rows_as_recorded_and_validates_the_rest() -> None:
    """A row saying word for word what is recorded is that person (not validated again);
    every other row — normalised text, a blank where a value was, a new value — is
    validated, so the outcome is what validating every row gives."""
    text = EVERY_COLUMN + (
        "ceo,Chief,ceo@example.com,,Exec,,,,,true,,,,\n"
        "mgr,Max,mgr@example.com,ceo,Eng,ceo,Europe/Paris,,,true,ext-1,42,2026-01-05,de\n"
        "emp,Eve,eve@example.com,mgr,Eng,ceo,,,,false,,,,\n"
    )
    recorded = {p.employee_id: p for p in validate_roster(parse_csv(text))}
    again = validate_roster(parse_csv(text), known=recorded)
    assert all(p is recorded[p.employee_id] for p in again)  # taken as recorded
    assert again == validate_roster(parse_csv(text))
    changed = text.replace("eve@example.com", "EVE@example.com").replace(",de\n", ",\n")
    changed = changed.replace("Chief,", " Chief ,")
    fresh = {p.employee_id: p for p in validate_roster(parse_csv(changed), known=recorded)}
    assert fresh["ceo"] is recorded["ceo"]  # trimmed text is the recorded text
    assert fresh["emp"] is not recorded["emp"]  # validated: the e-mail is lowercased
    assert fresh["emp"] == recorded["emp"]
    assert fresh["mgr"].locale is None  # validated: a blank where a value was
    assert list(fresh.values()) == validate_roster(parse_csv(changed))
    dumped = [(n, p.model_dump()) for n, p in enumerate(recorded.values(), 1)]  # as SCIM does
    assert all(p is recorded[p.employee_id] for p in validate_roster(dumped, known=recorded))
    with pytest.raises(RosterInvalid):  # a bad row among recorded ones is still refused
        validate_roster(parse_csv(text.replace(",false,", ",maybe,")), known=recorded)


def test_every_blank_column_validates_to_what_is_recorded_for_it() -> None:
    """The re-import's shortcut reads a blank cell as the recorded None: it must be what
    validation makes of a blank in every optional column."""
    row = "ceo,Chief,ceo@example.com,,Exec,,,,,true,,,,\n"  # a blank `active` is refused
    (person,) = validate_roster(parse_csv(EVERY_COLUMN + row))
    for name in EVERY_COLUMN.strip().split(","):
        if name not in {"employee_id", "name", "email", "department", "active"}:
            assert getattr(person, name) is None, name


def test_people_given_the_same_fields_share_one_set_of_their_names() -> None:
    """Half a person's memory was pydantic's per-instance set of given field names."""
    rows = [
        {"employee_id": f"e{i}", "name": f"P {i}", "email": f"e{i}@x.org", "department": "D"}
        for i in range(3)
    ]
    a, b, c = (Person.model_validate(r) for r in rows)
    assert a.model_fields_set is b.model_fields_set is c.model_fields_set
    moved = b.model_copy(update={"manager_id": "e0"})
    assert "manager_id" in moved.model_fields_set
    assert "manager_id" not in a.model_fields_set  # the shared set was not changed
    assert (a.manager_id, moved.manager_id, moved.name) == (None, "e0", "P 1")
    assert a.model_dump(exclude_unset=True) == rows[0]
    other = Person.model_validate({**rows[0], "timezone": "Europe/Paris"})
    assert other.model_fields_set is not a.model_fields_set
