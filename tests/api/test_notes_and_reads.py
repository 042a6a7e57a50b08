"""Notes with a visibility, and sealed reads (DESIGN.md §7).

A private note is read by its author alone; a shared one by the employee and the
manager; HR admins and auditors see that a note exists and when, never its text; no
note reaches a message, a read model or another person's view. When anyone but the
employee or their manager opens a case, the read is recorded first (with the reason
owed outside the reader's department) and the employee lists it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from tests.api import conftest as c
from tests.api.conftest import Api
from tests.api.test_inbox import notify
from tests.api.test_pages import browser
from tests.factories import T0

ADA_PRIVATE = "ada-private-7f3e: I might apply to the Lisbon office"
ADA_SHARED = "ada-shared-91c2: agreed to pair on the compiler"
GRACE_PRIVATE = "grace-private-4d0a: Ada is ready for promotion"
PHRASES = (ADA_PRIVATE, ADA_SHARED, GRACE_PRIVATE)


def write_notes(api: Api) -> str:
    case = f"/cases/{api.case_id()}"
    api.clock.to(1)
    mine = api.ok(api.post(f"{case}/notes", c.EMPLOYEE, {"text": ADA_PRIVATE}), 201)
    assert mine["visibility"] == "private"
    assert mine["text"] == ADA_PRIVATE
    api.ok(api.post(f"{case}/notes", c.EMPLOYEE, {"text": ADA_SHARED, "visibility": "shared"}), 201)
    api.ok(
        api.post(f"{case}/notes", c.MANAGER, {"text": GRACE_PRIVATE, "visibility": "private"}), 201
    )
    return case


def readable(api: Api, case: str, who: str, **params: str) -> set[str]:
    notes = api.ok(api.get(f"{case}/notes", who, params=params))["notes"]
    return {n["text"] for n in notes if n["text"] is not None}


def test_each_role_reads_exactly_the_notes_it_may(api: Api) -> None:
    case = write_notes(api)
    assert readable(api, case, c.EMPLOYEE) == {ADA_PRIVATE, ADA_SHARED}
    assert readable(api, case, c.MANAGER) == {ADA_SHARED, GRACE_PRIVATE}
    for who in (c.SKIP, c.HR_PARTNER):
        assert api.ok(api.get(f"{case}/notes", who))["notes"] == []
    for who in (c.HR_ADMIN, c.AUDITOR):
        notes = api.ok(api.get(f"{case}/notes", who))["notes"]
        assert len(notes) == 3
        assert all(n["text"] is None for n in notes)
        assert {n["author_id"] for n in notes} == {c.EMPLOYEE, c.MANAGER}
        assert all(n["written_at"] for n in notes)
    assert api.get(f"{case}/notes", c.STRANGER).status_code == 404

    for who, may in (
        (c.EMPLOYEE, {ADA_PRIVATE, ADA_SHARED}),
        (c.MANAGER, {ADA_SHARED, GRACE_PRIVATE}),
        (c.SKIP, set()),
        (c.HR_PARTNER, set()),
        (c.HR_ADMIN, set()),
        (c.AUDITOR, set()),
    ):
        history = api.get(f"{case}/history", who, params={"reason": "audit"})
        shown = {p for p in PHRASES if p in history.text}
        assert shown == may, who
        entries = [e for e in history.json()["entries"] if e["event"] == "NoteAdded"]
        expected = 3 if who in (c.HR_ADMIN, c.AUDITOR) else len(may)
        assert len(entries) == expected, who


def test_no_note_reaches_a_message_a_read_model_or_a_case(api: Api) -> None:
    case = write_notes(api)
    notify(api)
    api.project()
    for who in (c.EMPLOYEE, c.MANAGER):
        inbox = api.get("/me/inbox", who).text
        assert not any(p in inbox for p in PHRASES)
    for who in (c.EMPLOYEE, c.MANAGER, c.HR_ADMIN):
        state = api.get(case, who, params={"reason": "audit"}).text
        assert not any(p in state for p in PHRASES)
    with api.engine.connect() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                )
            )
            .scalars()
            .all()
        )
        assert "inbox" in tables
        assert "sealed_reads" in tables
        for table in tables:
            if table.endswith("stored_events") or table == "notification_log":
                continue  # the log itself (encrypted per person by the personal-data work)
            query = text(f"SELECT string_agg(t::text, '\\n') FROM \"{table}\" t")
            dump = conn.execute(query).scalar() or ""
            assert not any(p in dump for p in PHRASES), table


def test_a_note_is_bounded_and_checked(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    too_long = api.post(f"{case}/notes", c.EMPLOYEE, {"text": "x" * 4001})
    assert too_long.status_code == 422
    assert "text" in too_long.text
    odd = api.post(f"{case}/notes", c.EMPLOYEE, {"text": "hi", "visibility": "everyone"})
    assert odd.status_code == 422
    assert "visibility" in odd.text
    assert api.post(f"{case}/notes", c.SKIP, {"text": "hi"}).status_code == 403
    assert api.post(f"{case}/notes", c.AUDITOR, {"text": "hi"}).status_code == 403
    first = api.post(f"{case}/notes", c.EMPLOYEE, {"text": "once"}, key="note-1")
    again = api.post(f"{case}/notes", c.EMPLOYEE, {"text": "once"}, key="note-1")
    assert api.ok(first, 201) == api.ok(again, 201)
    assert api.application.get_case(api.case_id()).notes[-1].text == "once"
    assert len(api.application.get_case(api.case_id()).notes) == 1


def reads_of(api: Api, who: str, **params: Any) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = api.ok(api.get("/me/reads", who, params=params))["reads"]
    return listed


def test_reads_by_others_are_recorded_and_listed_to_the_person(api: Api) -> None:
    case = f"/cases/{api.case_id()}"
    api.clock.to(2)
    api.ok(api.get(case, c.EMPLOYEE))  # her own case: not recorded
    api.ok(api.get(case, c.MANAGER))  # her manager: not recorded
    assert reads_of(api, c.EMPLOYEE) == []

    refused = api.get(case, c.HR_ADMIN)  # outside hedy's department, no reason
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reason"
    assert reads_of(api, c.EMPLOYEE) == []  # refused: nothing recorded, nothing read

    api.ok(api.get(case, c.HR_ADMIN, params={"reason": "Grievance 2026-14"}))
    api.clock.to(3)
    api.ok(api.get(f"{case}/history", c.AUDITOR, params={"reason": "Yearly audit"}))
    api.ok(api.get(case, c.SKIP))  # a skip-level manager owes no reason, and is recorded
    api.ok(api.get(f"{case}/history?as_of=1", c.HR_PARTNER))

    reads = reads_of(api, c.EMPLOYEE)
    assert [(r["reader_id"], r["reader_as"], r["what"], r["reason"]) for r in reads] == [
        (c.HR_PARTNER, "HR partner", "case history as of 1", None),
        (c.SKIP, "skip-level manager", "case", None),
        (c.AUDITOR, "auditor", "case history", "Yearly audit"),
        (c.HR_ADMIN, "HR admin", "case", "Grievance 2026-14"),
    ]
    assert reads[-1]["reader_name"] == "Hedy Lamarr"
    assert reads[-1]["read_at"].startswith((T0 + timedelta(days=2)).date().isoformat())
    first = reads_of(api, c.EMPLOYEE, limit=3)
    rest = api.ok(api.get("/me/reads", c.EMPLOYEE, params={"limit": 3}))["next_before"]
    assert reads_of(api, c.EMPLOYEE, limit=3, before=rest) == reads[3:]
    assert first == reads[:3]
    assert reads_of(api, c.MANAGER) == []  # nobody read grace's data
    assert api.get("/me/reads?limit=201", c.EMPLOYEE).status_code == 422
    assert api.get(case, c.HR_ADMIN, params={"reason": "x" * 501}).status_code == 422


def test_the_pages_show_notes_ask_for_a_reason_and_list_reads(api: Api) -> None:
    case_id = api.case_id()
    write_notes(api)
    ada, grace, hedy = (
        browser(api, c.EMPLOYEE),
        browser(api, c.MANAGER),
        browser(api, c.HR_ADMIN, "hr_admin"),
    )
    page = ada.get(f"/cases/{case_id}").text
    assert ADA_PRIVATE in page
    assert ADA_SHARED in page
    assert GRACE_PRIVATE not in page
    assert 'id="form-notes"' in page
    page = grace.get(f"/cases/{case_id}").text
    assert GRACE_PRIVATE in page
    assert ADA_SHARED in page
    assert ADA_PRIVATE not in page
    asked = hedy.get(f"/cases/{case_id}")
    assert 'name="reason"' in asked.text
    assert not any(p in asked.text for p in PHRASES)
    opened = hedy.get(f"/cases/{case_id}", params={"reason": "Grievance 2026-14"}).text
    assert not any(p in opened for p in PHRASES)
    assert "only its author reads it" in opened
    listed = ada.get("/reads").text
    assert "Hedy Lamarr" in listed
    assert "Grievance 2026-14" in listed


def test_a_person_exports_all_they_may_read_and_nothing_of_others(api: Api) -> None:
    case = write_notes(api)
    api.ok(api.post(f"{case}/peer-feedback-requests", c.EMPLOYEE, {"peer_id": "linus"}))
    feedback = {"feedback": {"strengths": ["linus-words-55"]}, "anonymous": True}
    api.ok(api.post(f"{case}/peer-feedback", "linus", feedback))
    api.ok(api.get(case, c.HR_ADMIN, params={"reason": "Grievance 2026-14"}))

    exported = api.ok(api.get(f"/people/{c.EMPLOYEE}/export", c.EMPLOYEE))
    dumped = json.dumps(exported)
    assert ADA_PRIVATE in dumped
    assert ADA_SHARED in dumped
    assert GRACE_PRIVATE not in dumped  # her manager's private note
    assert exported["person"]["email"] == "ada@example.com"
    (only,) = exported["cases"]
    given = [e for e in only["history"]["entries"] if e["event"] == "PeerFeedbackReceived"]
    assert given[0]["actor"] == "anonymous"
    assert "peer_id" not in given[0]["payload"]
    assert "linus-words-55" in dumped
    assert [r["reason"] for r in exported["reads"]] == ["Grievance 2026-14"]

    assert api.get(f"/people/{c.EMPLOYEE}/export", c.MANAGER).status_code == 403
    assert api.get(f"/people/{c.EMPLOYEE}/export", c.HR_ADMIN).status_code == 422  # why?
    by_hr = api.ok(api.get(f"/people/{c.EMPLOYEE}/export", c.HR_ADMIN, params={"reason": "DSAR 4"}))
    assert GRACE_PRIVATE not in json.dumps(by_hr)
    assert reads_of(api, c.EMPLOYEE)[0]["what"] == "export of all their data"
    assert api.get("/people/nobody/export", c.HR_ADMIN, params={"reason": "x"}).status_code == 404
