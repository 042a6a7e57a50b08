"""The rule that keeps the consumer sets honest (see domain/subscriptions.py)."""

from __future__ import annotations

from domain import case_events as ev
from domain import subscriptions as s
from domain.phases import Phase


def test_every_event_is_consumed_or_declared_audit_only() -> None:
    forgotten = s.ALL_EVENTS - s.CONSUMED - s.AUDIT_ONLY
    assert not forgotten, sorted(c.__qualname__ for c in forgotten)


def test_no_event_is_both_consumed_and_audit_only() -> None:
    assert not s.CONSUMED & s.AUDIT_ONLY


def test_an_event_that_moves_the_phase_moves_a_deadline_and_the_case_status() -> None:
    assert set(s.PHASE_AFTER) <= s.CASE_DEADLINE_EVENTS
    assert set(s.PHASE_AFTER) <= s.CASE_STATUS_EVENTS


def test_the_phases_events_lead_to_are_the_ones_the_case_ends_up_in() -> None:
    assert s.PHASE_AFTER[ev.MeetingRequested] is Phase.MEETING_REQUESTED
    assert s.PHASE_AFTER[ev.CaseClosed] is Phase.CLOSED
    assert set(s.PHASE_AFTER.values()) == set(Phase) - {Phase.PREPARING}
    assert s.PHASE_AFTER_NAME["PlanApproved"] is Phase.PLAN_APPROVED


def test_a_new_event_class_would_be_caught() -> None:
    class Invented(ev.CaseEvent):
        pass

    assert Invented not in s.CONSUMED | s.AUDIT_ONLY
    assert (s.ALL_EVENTS | {Invented}) - s.CONSUMED - s.AUDIT_ONLY == {Invented}
