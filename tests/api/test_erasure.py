"""Erasure (DESIGN.md §7): the person's key destroyed, every copy scrubbed, the trail whole.

Ada writes a self-assessment, notes and a recap with an action item, each carrying a
phrase found nowhere else; messages go out (inbox and .eml files); HR reads her case
with a reason that names her. After the erasure no table of the schema and no file
of the outbox holds her name, her e-mail or her phrase; her case still loads, replays
and answers as-of queries with every event's actor, time and type; reports count her.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from api.deps import Services
from domain.values import Policy
from eventlog.follower import read_after
from notifications.channels import Channel, EmlFileChannel
from notifications.directory import RosterDirectory
from notifications.inbox import InboxChannel
from notifications.notifier import Notifier
from tests.api.conftest import AUDITOR, EMPLOYEE, HR_ADMIN, MANAGER, Api
from tests.factories import at, open_cycle_with, self_assessment

PHRASE = "zanzibar-quokka-1789"
NAME, EMAIL = "Ada Lovelace", "ada@example.com"
SECRETS = (PHRASE, NAME, EMAIL)


def walk_ada(api: Api, outbox: Path) -> str:
    case = f"/cases/{api.case_id()}"
    api.clock.to(1)
    assessment = self_assessment().model_dump(mode="json")
    assessment["skills"][0]["fit"] = f"I know {PHRASE} by heart"
    api.ok(api.post(f"{case}/self-assessment", EMPLOYEE, assessment))
    api.ok(api.post(f"{case}/notes", EMPLOYEE, {"text": f"private {PHRASE}"}), 201)
    api.ok(api.post(f"{case}/notes", MANAGER, {"text": f"{NAME}: {PHRASE}"}), 201)
    api.ok(api.post(f"{case}/meeting/request", EMPLOYEE, {"proposed_for": at(10).isoformat()}))
    api.ok(api.post(f"{case}/meeting/accept", MANAGER))
    api.clock.to(10)
    api.ok(api.post(f"{case}/meeting/held", MANAGER, {}))
    recap = {
        "learned": f"Loves {PHRASE}",
        "follow_up_on": "2026-02-20",
        "action_items": [
            {"title": f"Present {PHRASE}", "owner_id": MANAGER, "due_at": at(40).isoformat()}
        ],
    }
    api.ok(api.post(f"{case}/recap", EMPLOYEE, recap))
    api.clock.to(11)
    api.ok(api.get(case, HR_ADMIN, params={"reason": f"{NAME} asked for a copy"}))
    app = api.application
    channels: list[Channel] = [InboxChannel(api.engine), EmlFileChannel(outbox)]
    Notifier(app, channels, RosterDirectory(app)).handle(read_after(app, 0, 10_000))
    api.project()
    return case


def stored_text(api: Api) -> dict[str, str]:
    """Every table of the test's schema as text (byte columns decoded), by table name."""
    found = {}
    with api.engine.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        ).scalars()
        for table in list(tables):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            found[table] = "\n".join(
                " ".join(
                    bytes(v).decode("utf-8", "replace")
                    if isinstance(v, bytes | memoryview)
                    else str(v)
                    for v in row
                )
                for row in rows
            )
    return found


def services_of(api: Api) -> Services:
    services: Services = api.client.app.state.services  # type: ignore[attr-defined]
    return services


def holding(places: dict[str, str]) -> dict[str, list[str]]:
    return {
        place: [s for s in SECRETS if s in content]
        for place, content in places.items()
        if any(s in content for s in SECRETS)
    }


def outbox_text(outbox: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8", "replace") for p in outbox.glob("*.eml")}


def test_an_erasure_leaves_nothing_readable_and_the_trail_whole(api: Api, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    case = walk_ada(api, outbox)
    before = holding(stored_text(api))
    assert {"inbox", "roster_people_v1", "sealed_reads"} <= set(before)  # copies to scrub
    assert "careerflow_events" not in before  # sealed at rest, before any erasure
    assert outbox_text(outbox)
    history_before = api.ok(api.get(f"{case}/history", AUDITOR, params={"reason": "audit"}))

    assert (
        api.post("/people/ada/erasure", MANAGER, {"reason": "GDPR request 17"}).status_code == 403
    )
    assert api.post("/people/ada/erasure", HR_ADMIN, {}).status_code == 422
    assert api.post("/people/nobody/erasure", HR_ADMIN, {"reason": "x"}).status_code == 404
    services_of(api).outbox = outbox
    report = api.ok(api.post("/people/ada/erasure", HR_ADMIN, {"reason": "GDPR request 17"}))
    assert report["case_ids"] == [str(api.case_id())]
    assert len(report["action_item_ids"]) == 1
    assert report["messages_scrubbed"] >= 1
    assert report["files_removed"] >= 1
    assert report["read_reasons_blanked"] == 2  # HR's and the auditor's
    api.project()

    assert holding(stored_text(api)) == {}
    assert holding(outbox_text(outbox)) == {}

    history = api.ok(api.get(f"{case}/history", AUDITOR, params={"reason": "audit"}))
    kept = [(e["event"], e["actor"], e["occurred_at"]) for e in history["entries"]]
    assert kept[: len(history_before["entries"])] == [
        (e["event"], e["actor"], e["occurred_at"]) for e in history_before["entries"]
    ]
    assert "PersonalDataErased" in [e["event"] for e in history["entries"]]
    assessed = next(e for e in history["entries"] if e["event"] == "SelfAssessmentRecorded")
    assert assessed["payload"]["assessment"]["skills"][0]["fit"] == "[erased]"
    assert assessed["payload"]["assessment"]["achievements"][0]["result"]["measure"]["value"] == 8
    as_of = api.ok(api.get(f"{case}/history", AUDITOR, params={"as_of": "3", "reason": "a"}))
    assert as_of["state"]["self_assessment"]["skills"][0]["fit"] == "[erased]"
    state = api.ok(api.get(case, EMPLOYEE))
    assert state["recap"]["learned"] == "[erased]"
    assert state["phase"] == "meeting_held"
    counted = api.ok(api.get(f"/cycles/{api.cycle_id}/status", HR_ADMIN))["phases"]
    assert api.cycle_id is not None
    assert sum(counted.values()) == len(api.application.get_cycle(api.cycle_id).enrolled)

    again = api.ok(api.post("/people/ada/erasure", HR_ADMIN, {"reason": "GDPR request 17"}))
    assert again["messages_scrubbed"] == 0
    refused = api.post(f"{case}/notes", EMPLOYEE, {"text": "more"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "person_erased"


def test_a_cycles_retention_takes_its_messages_too(api: Api, tmp_path: Path) -> None:
    """The expiry itself runs on a Temporal timer (``tests/workflows``); here, what follows
    it: the notifier blanks every message about the expired cases (a digest holding one
    still finds it) and deletes their e-mail files, and only those."""
    app = api.application
    kept_case = f"/cases/{api.case_id()}"
    api.clock.to(1)
    api.ok(api.post(f"{kept_case}/meeting/request", EMPLOYEE, {"proposed_for": at(10).isoformat()}))
    roster = app.get_roster()
    ada = roster.participants(EMPLOYEE)
    assert ada is not None
    retention = timedelta(days=30)
    cycle_id = open_cycle_with(
        app, [ada], start=at(1), closes=at(100), policy=Policy(retention=retention)
    )
    expiring = f"/cases/{app.case_for(cycle_id, EMPLOYEE).id}"
    api.ok(api.post(f"{expiring}/meeting/request", EMPLOYEE, {"proposed_for": at(10).isoformat()}))
    outbox = tmp_path / "outbox"
    channels: list[Channel] = [InboxChannel(api.engine), EmlFileChannel(outbox)]
    notifier = Notifier(app, channels, RosterDirectory(app))
    batch = read_after(app, 0, 10_000)
    notifier.handle(batch)
    links = {m["link"] for m in api.ok(api.get("/me/inbox", MANAGER))}
    assert links == {f"/api/v1{kept_case}", f"/api/v1{expiring}"}
    files = len(list(outbox.glob("*.eml")))

    app.close_cycle(cycle_id, actor="hr", at=at(2))
    assert app.expire_cycle_data(cycle_id, at=at(2) + retention) == 1
    notifier.handle(read_after(app, batch[-1].position, 10_000))  # what the notifier reads next
    for message in api.ok(api.get("/me/inbox", MANAGER)):  # in its place, blanked
        erased = message["link"] == f"/api/v1{expiring}"
        assert (message["subject"] == "[erased]") is erased
        assert (message["body"] == "[erased]") is erased
    assert len(list(outbox.glob("*.eml"))) < files
    api.project()
    state = api.ok(api.get(expiring, EMPLOYEE))
    assert state["phase"] == "closed"
    assert app.get_cycle(cycle_id).data_expired_at == at(2) + retention
