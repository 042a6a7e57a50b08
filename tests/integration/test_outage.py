"""A database outage stops no follower: they stay up, retry with backoff and resume."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from application.service import CareerFlow
from careerflow.settings import Settings
from careerflow.storage import eventsourcing_env
from domain.commands import AcceptMeeting, RequestMeeting
from notifications.channels import DomainDirectory
from notifications.inbox import InboxChannel, messages_for
from notifications.notifier import Notifier
from projections.case_status import CaseStatus, case_status
from projections.database import engine_for
from projections.runner import ProjectionRunner
from tests.api.tcp_proxy import PgProxy
from tests.factories import EMP, MGR, at
from tests.integration.test_application_contract import new_cycle


def test_followers_survive_a_database_outage_and_resume(
    pg_url: str, fresh_settings: Settings, fresh_app: CareerFlow
) -> None:
    proxy = PgProxy(pg_url)
    url = proxy.url(pg_url)
    settings = fresh_settings.model_copy(update={"database_url": url, "db_connect_timeout": 1})
    followers_app = CareerFlow(env=eventsourcing_env(url, settings))
    engine = engine_for(url, fresh_settings.db_schema)
    direct = engine_for(pg_url, fresh_settings.db_schema)
    runner = ProjectionRunner(followers_app, engine, CaseStatus())
    notifier = Notifier(followers_app, [InboxChannel(engine)], DomainDirectory())
    stop = threading.Event()
    threads = [
        threading.Thread(target=runner.run, args=(stop,), daemon=True),
        threading.Thread(target=notifier.run, args=(stop, "notifier"), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        case_id = fresh_app.case_for(new_cycle(fresh_app), EMP).id

        def phase() -> str | None:
            with direct.connect() as conn:
                found = conn.execute(
                    select(case_status.c.phase).where(case_status.c.case_id == case_id)
                ).scalar()
            return None if found is None else str(found)

        deadline = time.monotonic() + 30
        while phase() != "preparing":
            assert time.monotonic() < deadline, "the read model never caught up"
            time.sleep(0.1)
        proxy.cut_off()  # the database vanishes for the followers...
        fresh_app.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(1))
        fresh_app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(2))
        time.sleep(3)  # ...long enough for several failed attempts
        assert all(thread.is_alive() for thread in threads), "a follower died in the outage"
        assert phase() == "preparing"
        proxy.restore()  # ...and comes back
        deadline = time.monotonic() + 60
        while phase() != "meeting_scheduled" or not messages_for(direct, EMP):
            assert time.monotonic() < deadline, "the followers did not resume"
            time.sleep(0.2)
        assert [m.subject for m in messages_for(direct, EMP)] == ["Career conversation scheduled"]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        followers_app.close()
        engine.dispose()
        direct.dispose()
