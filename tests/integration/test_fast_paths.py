"""The shortcuts the hot paths take stay correct when another process writes meanwhile.

* a command decides on the case as this process last saw it, and decides again on the
  stored case when another process wrote to it since;
* the roster and the framework a request reads are cached, and an import anywhere is seen;
* verified tokens are remembered, never past their expiry;
* a cycle opens batch by batch on a writer thread, and a failing batch stops it;
* ``careerflow api --workers 2`` serves from two processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import psutil
import pytest

from api.auth import InvalidToken, Tokens
from api.deps import framework_for
from api.framework_files import read_framework
from api.shared_cache import SharedCache
from application.service import CareerFlow
from careerflow.binaries import find_binary
from careerflow.demo_framework import DEMO_FRAMEWORK_CSV
from careerflow.settings import Settings
from careerflow.storage import eventsourcing_env
from domain import errors
from domain.commands import AcceptMeeting, ProposeGoal, RequestMeeting
from tests.factories import EMP, MGR, at, company, goal, participants
from tests.integration.test_application_contract import new_cycle


def second_process(settings: Settings) -> CareerFlow:
    assert settings.database_url is not None
    return CareerFlow(env=eventsourcing_env(settings.database_url, settings))


def test_a_command_on_a_case_another_process_changed_decides_on_the_stored_case(
    fresh_app: CareerFlow, fresh_settings: Settings
) -> None:
    case_id = fresh_app.case_for(new_cycle(fresh_app), EMP).id
    fresh_app.execute(case_id, ProposeGoal.of(goal("g1")), actor=EMP, at=at(1))  # cached now
    other = second_process(fresh_settings)
    try:
        other.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(2))
        # This process's cached case is still before the request: accepting it there
        # would be refused (no request yet); decided on the stored case, it is accepted.
        done = fresh_app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(3))
        assert done.changed
        assert done.case.version == 4
        stored = other.get_case(case_id)
        assert stored.version == 4
        assert stored.meeting_answered_at == at(3)
        assert list(stored.draft_goals) == ["g1"]
    finally:
        other.close()


def test_a_refusal_is_never_decided_on_a_stale_case(
    fresh_app: CareerFlow, fresh_settings: Settings
) -> None:
    case_id = fresh_app.case_for(new_cycle(fresh_app), EMP).id
    fresh_app.get_case(case_id)
    other = second_process(fresh_settings)
    try:
        other.execute(case_id, RequestMeeting(proposed_for=at(10)), actor=EMP, at=at(2))
    finally:
        other.close()
    with pytest.raises(errors.DomainError):  # truly out of order on the stored case
        fresh_app.execute(case_id, RequestMeeting(proposed_for=at(11)), actor=EMP, at=at(3))
    assert fresh_app.execute(case_id, AcceptMeeting(), actor=MGR, at=at(3)).changed


def test_an_import_by_another_process_reaches_the_cached_roster(
    fresh_app: CareerFlow, fresh_settings: Settings
) -> None:
    fresh_app.import_roster(company(5), source="a", actor="hr", at=at(0))
    cache = SharedCache(fresh_app.get_roster, lambda: fresh_app.roster_writes, max_age=0.2)
    assert len(cache.refresh().people) == 5
    assert cache.fresh() is not None
    other = second_process(fresh_settings)
    try:
        other.import_roster(company(8), source="b", actor="hr", at=at(1))
    finally:
        other.close()
    time.sleep(0.25)
    assert cache.fresh() is None  # too old: the next request catches up
    assert len(cache.refresh().people) == 8
    fresh_app.import_roster(company(9), source="c", actor="hr", at=at(2))
    assert cache.fresh() is None  # an import in this process is seen at once
    assert len(cache.refresh().people) == 9


def test_a_framework_imported_elsewhere_is_caught_up_for_a_case_that_opened_under_it(
    fresh_app: CareerFlow, fresh_settings: Settings
) -> None:
    books = SharedCache(
        fresh_app.get_framework_book, lambda: fresh_app.framework_writes, max_age=60
    )
    assert books.get().current.version == 0  # none imported yet: the empty book, remembered
    other = second_process(fresh_settings)
    try:
        framework = read_framework(DEMO_FRAMEWORK_CSV, "text/csv")
        other.import_framework(framework, source="b", actor="hr", at=at(0))
    finally:
        other.close()
    remembered = books.fresh()  # within max_age: from memory, as it was
    assert remembered is not None
    assert remembered.current.version == 0
    case = fresh_app.case_for(new_cycle(fresh_app), EMP)
    assert case.framework_version == 1
    assert framework_for(books, case).current.version == 1  # the case's version: caught up
    changed = DEMO_FRAMEWORK_CSV.replace("Grows the next senior people", "Grows leads")
    fresh_app.import_framework(
        read_framework(changed, "text/csv"), source="c", actor="hr", at=at(1)
    )
    assert books.fresh() is None  # an import in this process is seen at once
    assert books.get().current.version == 2


def test_the_roster_just_imported_is_read_from_memory_not_the_store(
    fresh_app: CareerFlow, fresh_settings: Settings
) -> None:
    """The first read after an import (the first ever included) gets the roster the import
    saved, without reading its events back; a later import elsewhere is still caught up."""
    fresh_app.import_roster(company(5), source="a", actor="hr", at=at(0))
    reads: list[Any] = []
    select_events = fresh_app.recorder.select_events

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = select_events(*args, **kwargs)
        reads.append(found)
        return found

    fresh_app.recorder.select_events = counted  # type: ignore[method-assign]
    roster = fresh_app.get_roster()
    assert (len(roster.people), roster.version) == (5, 2)
    assert reads == [[]]  # only events newer than the saved roster are asked for: none
    other = second_process(fresh_settings)
    try:
        other.import_roster(company(7), source="b", actor="hr", at=at(1))
    finally:
        other.close()
    assert len(fresh_app.get_roster().people) == 7


def test_a_remembered_token_still_expires() -> None:
    tokens = Tokens(Settings(jwt_secret="s" * 40))
    token = tokens.issue(EMP)
    assert tokens.verify(token).employee_id == EMP
    assert tokens.verify(token).employee_id == EMP  # remembered
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    short = jwt.encode(
        claims | {"exp": datetime.now(UTC) + timedelta(seconds=1)}, "s" * 40, algorithm="HS256"
    )
    assert tokens.verify(short).employee_id == EMP
    time.sleep(1.1)
    with pytest.raises(InvalidToken):
        tokens.verify(short)
    with pytest.raises(InvalidToken):
        tokens.verify(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])


def test_a_cycle_opening_stops_at_the_first_batch_that_fails(fresh_app: CareerFlow) -> None:
    cycle_id = new_cycle(fresh_app, "first")
    people = [participants(employee=f"e{i}") for i in range(25)]
    taken = fresh_app.case_for(cycle_id, "first").id
    people.insert(12, participants(employee="first"))  # already enrolled: no new case
    result = fresh_app.open_cycle(cycle_id, population=people, actor="hr", at=at(1), batch_size=5)
    assert (result.changed, result.unchanged) == (25, 1)
    assert fresh_app.get_case(taken).version == 1

    class Refused(Exception):
        pass

    calls = 0
    insert = fresh_app.recorder.insert_events

    def failing_third(rows: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Refused
        return insert(rows, **kwargs)

    other_cycle = new_cycle(fresh_app, "x")
    fresh_app.recorder.insert_events = failing_third  # type: ignore[method-assign,assignment]
    try:
        with pytest.raises(Refused):
            fresh_app.open_cycle(other_cycle, population=people, actor="hr", at=at(1), batch_size=5)
    finally:
        fresh_app.recorder.insert_events = insert  # type: ignore[method-assign]
    assert calls == 3  # nothing after the failing batch was written
    done = fresh_app.open_cycle(other_cycle, population=people, actor="hr", at=at(1), batch_size=5)
    assert done.changed == 26 - 10  # the two batches saved before it stay; the rest opens now


def test_the_api_serves_from_several_worker_processes(fresh_settings: Settings) -> None:
    assert fresh_settings.database_url is not None
    with socket.socket() as probe:  # a port nothing else is using
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "DATABASE_URL": fresh_settings.database_url,
        "CAREERFLOW_DB_SCHEMA": fresh_settings.db_schema,
        "CAREERFLOW_API_PORT": str(port),
        "CAREERFLOW_JWT_SECRET": "w" * 40,
    }
    process = subprocess.Popen(
        [find_binary("careerflow"), "api", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the API did not come up"
                time.sleep(0.3)
        time.sleep(2)  # both workers up

        workers = psutil.Process(process.pid).children(recursive=True)
        assert len([w for w in workers if "python" in w.name() or "careerflow" in w.name()]) >= 2
        token = Tokens(Settings(jwt_secret="w" * 40)).issue("someone")
        for _ in range(6):  # connections land on either worker: every one answers alike
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
            )
            with urllib.request.urlopen(request, timeout=10) as r:
                assert r.status == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
