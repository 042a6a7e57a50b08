"""Every event is acted on by a consumer that says so in its own table, or kept for audit.

The consumers' tables are the ones they run on: the relay's ``ROUTES``, the notifier's
composers (``told_events``), each read model's ``handled()``.
"""

from __future__ import annotations

from domain import case_events as ev
from domain import step_catalog
from domain import subscriptions as s
from domain.case import DevelopmentCase
from notifications.composers import told_events
from projections.case_status import CaseStatus
from projections.catalog import read_models
from projections.tasks import Tasks
from workflows.relay import ROUTES


def consumers() -> dict[str, frozenset[type]]:
    found = {"relay": frozenset(ROUTES), "notifier": told_events()}
    for model in read_models():
        found[model.name] = model.handled()
    return found


def unaccounted(events: frozenset[type]) -> set[str]:
    """Events neither a consumer acts on nor kept for the audit trail alone, by name."""
    consumed = frozenset().union(*consumers().values())
    return {e.__qualname__ for e in events - consumed - s.AUDIT_ONLY}


def test_every_event_is_consumed_or_audit_only() -> None:
    assert unaccounted(s.ALL_EVENTS) == set()


def test_no_event_is_both_consumed_and_audit_only() -> None:
    for name, handled in consumers().items():
        assert not handled & s.AUDIT_ONLY, name


def test_a_phase_change_reaches_the_deadlines_the_case_list_and_the_tasks() -> None:
    assert set(s.PHASE_AFTER) <= set(ROUTES)
    assert set(s.PHASE_AFTER) <= CaseStatus.handled()
    assert set(s.PHASE_AFTER) <= Tasks.handled()


def test_the_notifier_acts_on_what_the_step_records_say_somebody_is_told() -> None:
    told_by_records = {event for record in step_catalog.records() for event in record.tells}
    assert told_by_records == told_events()


def test_an_event_class_is_in_a_set_whether_taken_from_the_aggregate_or_its_module() -> None:
    sets = [*consumers().values(), s.AUDIT_ONLY, frozenset(s.PHASE_AFTER)]
    for event in ev.case_events():
        bound = getattr(DevelopmentCase, event.__name__)
        for members in sets:
            assert (bound in members) == (event in members), event.__name__


def test_a_new_event_class_would_be_caught() -> None:
    class Invented(ev.CaseEvent):
        pass

    assert unaccounted(s.ALL_EVENTS | {Invented}) == {Invented.__qualname__}
