"""The deadline engine on its own: which actions a view yields, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain import deadlines
from domain.values import Party, Policy, Rung
from workflows.deadline_engine import CaseView, ItemView, ladder, next_wait
from workflows.payloads import LogEvent

T = datetime(2026, 1, 5, 9, tzinfo=UTC)
DAY = timedelta(days=1)


def log_event(n: int, name: str, at: datetime = T, **data: Any) -> LogEvent:
    return LogEvent(id=n, aggregate_id=uuid4(), name=name, actor="x", occurred_at=at, data=data)


def opened(policy: Policy | None = None, okr: str | None = None) -> CaseView:
    view = CaseView(case_id=uuid4())
    view.accept(
        log_event(
            1,
            "CaseOpened",
            policy=(policy or Policy()).model_dump(mode="json"),
            cycle_closes_at=(T + 300 * DAY).isoformat(),
            okr_planning_on=okr,
        )
    )
    return view


def test_a_ladder_reminds_before_and_escalates_after_each_delay() -> None:
    actions = ladder(deadlines.PREP, T, Policy())
    assert [(a.kind, a.rung, a.at - T) for a in actions] == [
        ("remind", None, -2 * DAY),
        ("escalate", Rung.MANAGER, 2 * DAY),
        ("escalate", Rung.SKIP_LEVEL, 5 * DAY),
        ("escalate", Rung.HR_PARTNER, 10 * DAY),
    ]
    assert {a.due_at for a in actions} == {T}
    manager_owned = ladder(deadlines.APPROVAL, T, Policy(), 2)
    assert [a.rung for a in manager_owned] == [None, Rung.SKIP_LEVEL, Rung.HR_PARTNER]
    assert {a.deadline for a in manager_owned} == {"approval:2"}
    item_of_manager = ladder(deadlines.ACTION_ITEM_DUE, T, Policy(), "t", Party.MANAGER)
    assert [a.rung for a in item_of_manager] == [None, Rung.SKIP_LEVEL, Rung.HR_PARTNER]


def test_a_fresh_case_waits_for_prep_meeting_request_and_okr() -> None:
    view = opened(okr="2026-01-20")
    deadlines = {a.deadline for a in view.pending()}
    assert deadlines == {"prep", "meeting_request", "okr_planning"}
    assert view.pending()[0].at == T + 12 * DAY  # the prep reminder: P14D less the P2D lead
    okr = next(a for a in view.pending() if a.deadline == "okr_planning")
    assert okr.at == datetime(2026, 1, 18, tzinfo=UTC)


def test_events_move_the_deadlines_and_old_ids_are_ignored() -> None:
    view = opened()
    view.accept(log_event(2, "SelfAssessmentRecorded"))
    view.accept(log_event(3, "MeetingRequested", at=T + DAY))
    assert {a.deadline for a in view.pending()} == {"meeting_response:1"}
    assert not view.accept(log_event(2, "MeetingDeclined"))
    assert view.phase == "meeting_requested"
    view.accept(log_event(4, "MeetingAccepted"))
    assert view.pending() == []
    view.accept(log_event(5, "MeetingHeld", held_at=(T + 10 * DAY).isoformat()))
    assert {a.deadline for a in view.pending()} == {"plan_due"}
    view.accept(log_event(6, "PlanSubmitted", at=T + 11 * DAY, version=1))
    assert {a.deadline for a in view.pending()} == {"approval:1"}
    view.accept(log_event(7, "PlanApproved", at=T + 12 * DAY))
    (due,) = view.pending()
    assert (due.kind, due.number, due.at) == ("check_in_due", 1, T + 42 * DAY)


def test_done_actions_are_not_offered_again_and_closing_ends_everything() -> None:
    view = opened()
    first = view.pending()[0]
    view.done.add(first.key)
    assert first.key not in {a.key for a in view.pending()}
    view.accept(log_event(2, "CaseClosed"))
    assert view.pending() == []


def test_an_item_reschedule_replaces_the_whole_ladder() -> None:
    item = ItemView(item_id=uuid4())
    item.accept(
        LogEvent(
            id=1, aggregate_id=item.item_id, name="ActionItemAgreed", actor="m", occurred_at=T,
            data={"due_at": (T + 10 * DAY).isoformat()},
            context={"policy": Policy().model_dump(mode="json")},
        )
    )  # fmt: skip
    kinds = sorted(a.kind for a in item.pending())
    assert kinds == ["escalate", "escalate", "escalate", "overdue", "remind"]
    old = {a.deadline for a in item.pending()}
    item.accept(log_event(2, "ActionItemRescheduled", new_due_at=(T + 20 * DAY).isoformat()))
    assert {a.deadline for a in item.pending()}.isdisjoint(old)
    item.accept(log_event(3, "ActionItemCompleted"))
    assert item.pending() == []


def test_next_wait_is_never_negative() -> None:
    view = opened()
    assert next_wait(view.pending(), T + 100 * DAY) == timedelta(0)
    assert next_wait([], T) is None


def test_an_ad_hoc_check_in_takes_the_next_number_in_the_deadline_engine() -> None:
    view = CaseView(case_id=uuid4())
    view.accept(
        LogEvent(
            id=1, aggregate_id=view.case_id, name="CaseOpened", actor="hr", occurred_at=T,
            data={"policy": Policy().model_dump(mode="json"),
                  "cycle_closes_at": (T + 300 * DAY).isoformat()},
        )
    )  # fmt: skip
    view.accept(
        LogEvent(
            id=2, aggregate_id=view.case_id, name="PlanApproved", actor="m", occurred_at=T,
            data={"version": 1},
        )
    )  # fmt: skip
    view.accept(
        LogEvent(
            id=3, aggregate_id=view.case_id, name="CheckInHeld", actor="m",
            occurred_at=T + 3 * DAY, data={"number": 1},
        )
    )  # fmt: skip
    assert view.check_ins[1].held
    due = [a for a in view.pending() if a.kind == "check_in_due"]
    assert [a.number for a in due] == [2]


@pytest.mark.parametrize(
    ("step", "owner"),
    [(s, s.owner) for s in deadlines.DEADLINES.values() if s is not deadlines.ACTION_ITEM_DUE]
    + [(deadlines.ACTION_ITEM_DUE, Party.EMPLOYEE), (deadlines.ACTION_ITEM_DUE, Party.MANAGER)],
    ids=lambda v: v.name if isinstance(v, deadlines.Deadline) else str(v.value),
)
def test_every_deadline_kind_and_owner_climbs_the_right_ladder(
    step: deadlines.Deadline, owner: Party
) -> None:
    """Work the employee owns escalates to the manager first; work the manager owns
    starts at the skip-level (the manager is not told about their own lateness)."""
    actions = ladder(step, T, Policy(), "x", owner)
    rungs = [a.rung for a in actions if a.kind == "escalate"]
    expected = list(Rung) if owner is Party.EMPLOYEE else [Rung.SKIP_LEVEL, Rung.HR_PARTNER]
    assert rungs == expected
    assert {a.owner for a in actions} == {owner}
    assert all(a.deadline == f"{step.name}:x" for a in actions)
