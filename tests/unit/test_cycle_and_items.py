"""Rules of Cycle and ActionItem."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain import errors
from domain.action_item import ActionItem, CaseContext, ItemStatus
from domain.base import SYSTEM_ACTOR, By
from domain.cycle import Cycle, CycleStatus
from domain.values import Policy, Rung
from tests.factories import (
    CYCLE_CLOSES,
    EMP,
    HRP,
    MGR,
    SKIP,
    STRANGER,
    T0,
    at,
    item_spec,
    participants,
)


def new_cycle(policy: Policy | None = None) -> Cycle:
    return Cycle.create(
        id=uuid4(),
        name="2026",
        opens_at=T0,
        closes_at=CYCLE_CLOSES,
        okr_planning_on=date(2026, 3, 2),
        policy=policy or Policy(),
        by=By("hr", T0),
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"closes_at": T0}, "closes_at"),
        ({"closes_at": T0 - timedelta(days=1)}, "closes_at"),
        ({"okr_planning_on": date(2027, 3, 1)}, "okr_planning_on"),
        ({"opens_at": T0.replace(tzinfo=None)}, "opens_at"),
    ],
)
def test_a_cycle_needs_a_sane_window(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "id": uuid4(),
        "name": "2026",
        "opens_at": T0,
        "closes_at": CYCLE_CLOSES,
        "okr_planning_on": None,
        "policy": Policy(),
        "by": By("hr", T0),
    } | kwargs
    with pytest.raises(errors.InvalidCommand) as info:
        Cycle.create(**args)  # type: ignore[arg-type]
    assert info.value.field == field


def test_the_policy_is_amendable_until_the_cycle_opens_then_frozen() -> None:
    cycle = new_cycle()
    cycle.amend_policy(policy=Policy(meeting_notice=timedelta(days=3)), by=By("hr", at(0)))
    assert cycle.policy.meeting_notice == timedelta(days=3)
    assert cycle.open(by=By("hr", at(0)))
    assert not cycle.open(by=By("hr", at(0)))
    with pytest.raises(errors.CycleNotDraft):
        cycle.amend_policy(policy=Policy(), by=By("hr", at(1)))
    assert cycle.pending_events[-1].policy == Policy(meeting_notice=timedelta(days=3))  # type: ignore[attr-defined]


def test_enrolment_needs_an_open_cycle_and_records_each_employee_once() -> None:
    cycle = new_cycle()
    with pytest.raises(errors.CycleNotOpen):
        cycle.enroll(employee_ids=["a"], by=By("hr", at(0)))
    cycle.open(by=By("hr", at(0)))
    assert cycle.enroll(employee_ids=["a", "b", "a"], by=By("hr", at(0))) == ["a", "b"]
    assert cycle.enroll(employee_ids=["b", "c"], by=By("hr", at(0))) == ["c"]
    assert cycle.enroll(employee_ids=["c"], by=By("hr", at(0))) == []
    assert cycle.enrolled == ["a", "b", "c"]


def test_a_cycle_closes_once_and_a_closed_cycle_accepts_nothing() -> None:
    cycle = new_cycle()
    with pytest.raises(errors.CycleNotOpen):
        cycle.close(by=By("hr", at(1)))
    cycle.open(by=By("hr", at(0)))
    assert cycle.close(by=By("hr", at(300)))
    assert not cycle.close(by=By("hr", at(301)))
    assert cycle.status is CycleStatus.CLOSED
    with pytest.raises(errors.CycleIsClosed):
        cycle.open(by=By("hr", at(302)))
    with pytest.raises(errors.CycleNotOpen):
        cycle.enroll(employee_ids=["z"], by=By("hr", at(302)))


# --- action items ---------------------------------------------------------------------

CONTEXT = CaseContext(participants=participants(), cycle_closes_at=CYCLE_CLOSES, case_closed=False)


def new_item(owner: str = EMP, due: float = 40) -> ActionItem:
    return ActionItem.agree(
        id=uuid4(),
        case_id=uuid4(),
        cycle_id=uuid4(),
        employee_id=EMP,
        spec=item_spec(owner=owner, due=due),
        by=By(MGR, at(10)),
    )


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(EMP, True), (MGR, True), ("mentor", True), (SKIP, False), (STRANGER, False)],
)
def test_the_owner_employee_or_manager_complete_an_item(actor: str, allowed: bool) -> None:
    item = new_item(owner="mentor")
    if allowed:
        item.complete(context=CONTEXT, by=By(actor, at(20)))
        assert item.status is ItemStatus.COMPLETED
    else:
        with pytest.raises(errors.NotPermitted):
            item.complete(context=CONTEXT, by=By(actor, at(20)))
        assert item.status is ItemStatus.OPEN


def test_completion_after_the_due_time_is_late_and_ends_the_item() -> None:
    item = new_item(due=40)
    item.complete(context=CONTEXT, by=By(EMP, at(41)))
    assert item.pending_events[-1].late is True  # type: ignore[attr-defined]
    with pytest.raises(errors.ActionItemClosed):
        item.reschedule(new_due_at=at(60), reason="r", context=CONTEXT, by=By(EMP, at(42)))
    assert not item.mark_overdue(by=By(SYSTEM_ACTOR, at(42)))
    assert not item.record_reminder(reason="r", context=CONTEXT, by=By(SYSTEM_ACTOR, at(42)))


def test_overdue_is_recorded_once_at_or_after_the_due_time() -> None:
    item = new_item(due=40)
    with pytest.raises(errors.InvalidCommand):
        item.mark_overdue(by=By(SYSTEM_ACTOR, at(39)))
    with pytest.raises(errors.NotPermitted):
        item.mark_overdue(by=By(MGR, at(40)))
    assert item.mark_overdue(by=By(SYSTEM_ACTOR, at(40)))
    assert not item.mark_overdue(by=By(SYSTEM_ACTOR, at(41)))
    assert item.overdue


def test_a_reschedule_starts_a_new_deadline_for_reminders_and_escalations() -> None:
    item = new_item(due=40)
    first = item.deadline
    assert item.record_reminder(reason="due soon", context=CONTEXT, by=By(SYSTEM_ACTOR, at(38)))
    item.mark_overdue(by=By(SYSTEM_ACTOR, at(40)))
    assert item.escalate(
        rung=Rung.MANAGER,
        context=CONTEXT,
        reason="overdue",
        by=By(SYSTEM_ACTOR, at(42)),
    )
    item.reschedule(new_due_at=at(60), reason="Course moved", context=CONTEXT, by=By(EMP, at(43)))
    assert item.deadline != first
    assert not item.overdue
    assert item.record_reminder(reason="due soon", context=CONTEXT, by=By(SYSTEM_ACTOR, at(58)))
    assert item.escalate(
        rung=Rung.MANAGER,
        context=CONTEXT,
        reason="overdue",
        by=By(SYSTEM_ACTOR, at(62)),
    )
    assert len(item.reminders) == 2
    assert len(item.escalations) == 2


def test_escalations_follow_the_case_roster() -> None:
    item = new_item()
    moved = replace(CONTEXT, participants=participants(manager="newmgr"))
    item.escalate(rung=Rung.MANAGER, context=moved, reason="r", by=By(SYSTEM_ACTOR, at(41)))
    item.escalate(rung=Rung.HR_PARTNER, context=moved, reason="r", by=By(SYSTEM_ACTOR, at(45)))
    assert sorted(item.escalations.values()) == sorted(["newmgr", HRP])


@pytest.mark.parametrize(
    ("new_due", "reason", "field"),
    [
        (at(5), "r", "new_due_at"),
        (at(40), "r", "new_due_at"),
        (at(500), "r", "new_due_at"),
        (at(60), " ", "reason"),
    ],
)
def test_a_reschedule_needs_a_future_time_inside_the_cycle_and_a_reason(
    new_due: object, reason: str, field: str
) -> None:
    item = new_item(due=40)
    with pytest.raises(errors.InvalidCommand) as info:
        item.reschedule(new_due_at=new_due, reason=reason, context=CONTEXT, by=By(EMP, at(20)))  # type: ignore[arg-type]
    assert info.value.field == field


def test_cancelling_needs_the_employee_or_manager_and_a_reason() -> None:
    item = new_item(owner="mentor")
    with pytest.raises(errors.NotPermitted):
        item.cancel(reason="r", context=CONTEXT, by=By("mentor", at(20)))
    with pytest.raises(errors.InvalidCommand):
        item.cancel(reason="", context=CONTEXT, by=By(MGR, at(20)))
    item.cancel(reason="No longer relevant", context=CONTEXT, by=By(MGR, at(20)))
    assert item.status is ItemStatus.CANCELLED


def test_an_item_of_a_closed_case_accepts_nothing() -> None:
    item = new_item()
    closed = CaseContext(
        participants=participants(), cycle_closes_at=CYCLE_CLOSES, case_closed=True
    )
    with pytest.raises(errors.CaseIsClosed):
        item.complete(context=closed, by=By(EMP, at(20)))
