"""Reading rows back: a value many events carry alike is checked once, never mixed up.

Every case a cycle opens carries its policy; the typed mapper checks a policy once and
reuses it for the rows that carry the same one. These read rows of two cycles with
different policies interleaved, and a row whose policy was tampered with.
"""

from __future__ import annotations

import gc
import weakref
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

from application.service import CareerFlow
from application.transcoding import LARGE_EVENT_BYTES, TYPED_PREFIX
from domain.case import DevelopmentCase
from domain.values import Policy
from tests.factories import T0, company, open_cycle_with, participants

CaseOpened = DevelopmentCase.CaseOpened


def opened_rows(app: CareerFlow, prep_days: int, count: int) -> list[StoredEvent]:
    people = [participants(employee=f"p{prep_days}-{i}") for i in range(count)]
    open_cycle_with(app, people, policy=Policy(prep_window=timedelta(days=prep_days)))
    notes = app.recorder.select_notifications(start=1, limit=10_000)
    return [
        StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
        for n in notes
        if n.topic.endswith("CaseOpened") and f'"p{prep_days}-'.encode() in n.state
    ]


def test_interleaved_policies_each_read_as_written() -> None:
    app = CareerFlow()
    short, long = opened_rows(app, 7, 3), opened_rows(app, 30, 3)
    reader = CareerFlow().mapper  # a fresh mapper: nothing checked yet
    for row in [short[0], long[0], short[1], short[2], long[1], long[2]]:
        event = reader.to_domain_event(row)
        assert isinstance(event, CaseOpened)
        written = 7 if b'"p7-' in row.state else 30
        assert event.policy.prep_window == timedelta(days=written)
        assert event.participants.employee_id.startswith(f"p{written}-")


def test_a_tampered_policy_is_refused_even_after_a_good_one() -> None:
    app = CareerFlow()
    good = opened_rows(app, 7, 2)
    reader = CareerFlow().mapper
    reader.to_domain_event(good[0])
    assert good[1].state.startswith(TYPED_PREFIX)
    bad = good[1].state.replace(b'"prep_window":"P7D"', b'"prep_window":"not a duration"')
    assert bad != good[1].state
    with pytest.raises(MapperDeserialisationError, match="prep_window"):
        reader.to_domain_event(
            StoredEvent(good[1].originator_id, good[1].originator_version, good[1].topic, bad)
        )


def test_a_large_event_is_decoded_once_while_a_reader_holds_it() -> None:
    app = CareerFlow()
    app.import_roster(company(6000), source="test.csv", actor="hr", at=T0)
    [row] = [
        n
        for n in app.recorder.select_notifications(start=1, limit=100)
        if n.topic.endswith("RosterImported")
    ]
    assert len(row.state) >= LARGE_EVENT_BYTES
    reader = CareerFlow().mapper
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(reader.to_domain_event, [row, row])
    assert first is second  # two followers at once: one decode
    assert len(first.added) == 6000  # type: ignore[attr-defined]
    gone = weakref.ref(first)
    del first, second
    gc.collect()
    assert gone() is None  # the mapper keeps nothing alive once the readers are done
    assert len(reader.to_domain_event(row).added) == 6000  # type: ignore[attr-defined]
