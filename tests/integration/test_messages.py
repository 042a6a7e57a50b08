"""Messages reach real people: the roster's names and addresses, times in their own zones."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from pathlib import Path

import icalendar

from api.roster_files import parse_csv
from application.service import CareerFlow
from careerflow.demo_org import DEMO_ROSTER_CSV
from domain.commands import AcceptMeeting, RequestMeeting
from domain.roster_validation import validate_roster
from eventlog.follower import read_after
from notifications.channels import EmlFileChannel
from notifications.directory import RosterDirectory
from notifications.notifier import Notifier
from tests.factories import T0, open_cycle_with


def test_meeting_messages_use_the_roster_and_the_recipients_time_zones(
    fresh_app: CareerFlow, tmp_path: Path
) -> None:
    app = fresh_app
    app.import_roster(validate_roster(parse_csv(DEMO_ROSTER_CSV)), source="t", actor="hr", at=T0)
    ada = app.get_roster().participants("ada")
    assert ada is not None
    case_id = app.case_for(open_cycle_with(app, [ada]), "ada").id
    meeting = datetime(2026, 1, 20, 14, 30, 15, 123456, tzinfo=UTC)
    app.execute(case_id, RequestMeeting(proposed_for=meeting), actor="ada", at=T0)
    app.execute(case_id, AcceptMeeting(), actor="grace", at=T0)
    outbox = tmp_path / "outbox"
    notifier = Notifier(app, [EmlFileChannel(outbox)], RosterDirectory(app))
    notifier.handle(read_after(app, 0, 10_000))

    mails = {
        m["To"]: m
        for m in (email.message_from_bytes(f.read_bytes()) for f in sorted(outbox.glob("*.eml")))
        if m["Subject"] == "Career conversation scheduled"
    }
    assert set(mails) == {
        "Ada Lovelace <ada@example.com>",
        "Grace Hopper <grace@example.com>",
    }
    bodies = {
        to: next(p for p in m.walk() if p.get_content_type() == "text/plain").get_payload()
        for to, m in mails.items()
    }
    assert "Tue 20 Jan 2026 14:30 GMT" in bodies["Ada Lovelace <ada@example.com>"]
    assert "Tue 20 Jan 2026 09:30 EST" in bodies["Grace Hopper <grace@example.com>"]
    assert not any(":15" in body or "123456" in body for body in bodies.values())
    asked = next(
        email.message_from_bytes(f.read_bytes()) for f in sorted(outbox.glob("*grace.eml"))
    )
    assert asked["Subject"] == "Ada Lovelace asks for a career conversation"
    invite = next(
        p.get_payload(decode=True)
        for p in mails["Ada Lovelace <ada@example.com>"].walk()
        if p.get_content_type() == "text/calendar"
    )
    assert isinstance(invite, bytes)
    (vevent,) = icalendar.Calendar.from_ical(invite).walk("VEVENT")
    attendees = {str(a) for a in vevent.get("attendee")}
    assert attendees == {"mailto:ada@example.com", "mailto:grace@example.com"}
    assert "Ada Lovelace" in str(vevent.get("summary"))
    assert "Grace Hopper" in str(vevent.get("summary"))


def test_the_demo_company_starts_under_way_and_its_mail_goes_to_the_roster(
    fresh_app: CareerFlow, tmp_path: Path
) -> None:
    """What `make run` shows in its outbox: messages to the demo roster's own addresses."""
    from careerflow.demo_org import seed_demo_org

    assert seed_demo_org(fresh_app) is not None
    outbox = tmp_path / "outbox"
    Notifier(fresh_app, [EmlFileChannel(outbox)], RosterDirectory(fresh_app)).handle(
        read_after(fresh_app, 0, 10_000)
    )
    sent = {
        (str(m["To"]), str(m["Subject"]))
        for m in (email.message_from_bytes(f.read_bytes()) for f in outbox.glob("*.eml"))
    }
    assert (
        "Grace Hopper <grace@example.com>",
        "Ada Lovelace asks for a career conversation",
    ) in sent
    assert ("Ada Lovelace <ada@example.com>", "Career conversation scheduled") in sent
    assert any(to == "Alan Turing <alan@example.com>" for to, _ in sent)
    assert all(to.endswith("@example.com>") for to, _ in sent)
