"""Daily digests on the time-skipping server: a manager's escalations arrive as one message
at the policy's hour in her own time zone; owners' reminders arrive at once; the inbox
holds every escalation from the start."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from api.roster_files import parse_csv
from application.service import CareerFlow
from careerflow.demo_org import DEMO_ROSTER_CSV
from careerflow.settings import Settings
from domain.base import SYSTEM_ACTOR
from domain.roster_validation import validate_roster
from domain.timer_commands import EscalateCase, RemindCase
from domain.values import Party, Policy, Rung
from eventlog.follower import read_after
from notifications.channels import Channel, EmlFileChannel
from notifications.digest import DigestSender, next_digest_time
from notifications.directory import RosterDirectory
from notifications.inbox import InboxChannel, messages_for
from notifications.notifier import Notifier
from projections.database import engine_for
from tests.factories import open_cycle_with
from workflows.digest_workflow import DigestActivities, digest_workflow_id, schedule_digest
from workflows.payloads import DigestEntry
from workflows.worker import ACTIVITY_THREADS, build_worker

REPORTS = ("ada", "linus", "alan")  # Grace's, in the demo company; Grace is in New York


def subjects(outbox: Path, person: str) -> list[str]:
    return [
        str(email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"])
        for f in sorted(outbox.glob(f"*-{person}.eml"))
    ]


async def test_escalations_reach_a_manager_as_one_digest_at_her_hour(
    time_skipping: WorkflowEnvironment,
    fresh_app: CareerFlow,
    fresh_settings: Settings,
    tmp_path: Path,
) -> None:
    app, client = fresh_app, time_skipping.client
    now = (await time_skipping.get_current_time()).replace(microsecond=0)
    app.import_roster(validate_roster(parse_csv(DEMO_ROSTER_CSV)), source="t", actor="hr", at=now)
    roster = app.get_roster()
    people = [p for p in (roster.participants(e) for e in REPORTS) if p is not None]
    cycle_id = open_cycle_with(app, people, start=now, closes=now + timedelta(days=300))
    cases = [app.case_for(cycle_id, e).id for e in REPORTS]
    due = now - timedelta(days=2)
    for case_id in cases:
        command = EscalateCase(deadline="prep", rung=Rung.MANAGER, reason="r", due_at=due)
        app.execute(case_id, command, actor=SYSTEM_ACTOR, at=now)
    reminder = RemindCase(deadline="meeting_request", owner=Party.EMPLOYEE, reason="r",
                          due_at=now + timedelta(days=2))  # fmt: skip
    app.execute(cases[0], reminder, actor=SYSTEM_ACTOR, at=now)

    assert fresh_settings.database_url is not None
    engine = engine_for(fresh_settings.database_url, fresh_settings.db_schema)
    outbox = tmp_path / "outbox"
    channels: list[Channel] = [InboxChannel(engine), EmlFileChannel(outbox)]
    directory = RosterDirectory(app)
    task_queue = f"tq-{uuid.uuid4()}"
    loop = asyncio.get_running_loop()

    def schedule(recipient_id: str, event_id: int, send_at: datetime) -> None:
        entry = DigestEntry(event_id=event_id, send_at=send_at)
        asyncio.run_coroutine_threadsafe(
            schedule_digest(client, task_queue, recipient_id, entry), loop
        ).result(timeout=30)

    notifier = Notifier(app, channels, directory, schedule)
    sender = DigestSender(engine, channels, directory)
    with ThreadPoolExecutor(ACTIVITY_THREADS) as executor:
        async with build_worker(client, app, task_queue, executor, DigestActivities(sender)):
            await asyncio.to_thread(notifier.handle, read_after(app, 0, 10_000))

            # the owner's reminder went out at once; the escalations are in the inbox only
            assert len(subjects(outbox, "ada")) == 1
            assert subjects(outbox, "grace") == []
            inbox = messages_for(engine, "grace")
            assert len(inbox) == 3
            assert all(m.subject.startswith("Escalation (rung 1)") for m in inbox)

            handle = client.get_workflow_handle(digest_workflow_id("grace"))
            assert len(await handle.query("waiting")) == 3
            eight_in_new_york = next_digest_time(now, 8, "America/New_York")
            await time_skipping.sleep(eight_in_new_york - now - timedelta(minutes=1))
            await asyncio.sleep(0.5)
            assert subjects(outbox, "grace") == []  # not before her hour
            await time_skipping.sleep(timedelta(minutes=2))
            assert await handle.result() == 3

    (digest,) = subjects(outbox, "grace")
    assert digest == "Daily digest: 3 escalations for you"
    (mail,) = sorted(outbox.glob("*-grace.eml"))
    parsed = email.message_from_bytes(mail.read_bytes())
    assert parsed["To"] == "Grace Hopper <grace@example.com>"
    body = parsed.get_payload()
    assert isinstance(body, str)
    for name in ("Ada Lovelace", "Linus Torvalds", "Alan Turing"):
        assert f"the self-assessment for {name}" in body


def test_the_digest_hour_is_the_recipients_own_and_a_policy_may_turn_digests_off(
    fresh_app: CareerFlow, tmp_path: Path
) -> None:
    utc_evening = datetime.fromisoformat("2026-03-07T23:30:00+00:00")
    assert next_digest_time(utc_evening, 8, "Asia/Tokyo").isoformat() == "2026-03-08T23:00:00+00:00"
    assert (
        next_digest_time(utc_evening, 8, "Europe/London").isoformat() == "2026-03-08T08:00:00+00:00"
    )
    # New York moves to summer time on 8 March 2026: 08:00 EDT is 12:00 UTC
    assert next_digest_time(utc_evening, 8, "America/New_York").isoformat() == (
        "2026-03-08T12:00:00+00:00"
    )

    app = fresh_app
    app.import_roster(validate_roster(parse_csv(DEMO_ROSTER_CSV)), source="t", actor="hr",
                      at=utc_evening)  # fmt: skip
    ada = app.get_roster().participants("ada")
    assert ada is not None
    policy = Policy(escalation_digest_hour=None)
    cycle_id = open_cycle_with(app, [ada], start=utc_evening, policy=policy,
                               closes=utc_evening + timedelta(days=300))  # fmt: skip
    case_id = app.case_for(cycle_id, "ada").id
    command = EscalateCase(deadline="prep", rung=Rung.MANAGER, reason="r", due_at=utc_evening)
    app.execute(case_id, command, actor=SYSTEM_ACTOR, at=utc_evening + timedelta(days=2))
    scheduled: list[str] = []
    outbox = tmp_path / "outbox"
    notifier = Notifier(app, [EmlFileChannel(outbox)], RosterDirectory(app),
                        lambda who, event_id, at: scheduled.append(who))  # fmt: skip
    notifier.handle(read_after(app, 0, 10_000))
    assert scheduled == []
    assert len(subjects(outbox, "grace")) == 1  # sent at once


def test_an_escalation_whose_digest_cannot_be_scheduled_goes_out_at_once(
    fresh_app: CareerFlow, tmp_path: Path
) -> None:
    app, start = fresh_app, datetime.fromisoformat("2026-03-02T09:00:00+00:00")
    app.import_roster(validate_roster(parse_csv(DEMO_ROSTER_CSV)), source="t", actor="hr",
                      at=start)  # fmt: skip
    ada = app.get_roster().participants("ada")
    assert ada is not None
    cycle_id = open_cycle_with(app, [ada], start=start, closes=start + timedelta(days=300))
    command = EscalateCase(deadline="prep", rung=Rung.MANAGER, reason="r", due_at=start)
    app.execute(app.case_for(cycle_id, "ada").id, command, actor=SYSTEM_ACTOR,
                at=start + timedelta(days=2))  # fmt: skip

    def temporal_down(recipient_id: str, event_id: int, send_at: datetime) -> None:
        raise ConnectionError("Temporal is out of reach")

    outbox = tmp_path / "outbox"
    notifier = Notifier(app, [EmlFileChannel(outbox)], RosterDirectory(app), temporal_down)
    notifier.handle(read_after(app, 0, 10_000))
    (sent,) = subjects(outbox, "grace")
    assert sent.startswith("Escalation (rung 1): the self-assessment for Ada Lovelace")
