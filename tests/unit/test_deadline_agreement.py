"""The tasks and the deadline engine agree on every deadline, whatever the case went through.

Hypothesis drives a case through random sequences of steps (refused ones included:
they record nothing). After every step, the tasks read model's view of the case
(``CaseProgress``, fed the events it subscribes to) and the deadline engine's view
(``CaseView``, fed only what the relay sends a workflow) must name the same open
deadlines with the same due times: the engine's reminders are about exactly the
deadlines the tasks list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import errors
from domain.base import By
from domain.case import DevelopmentCase
from domain.deadlines import OKR_PLANNING
from domain.open_tasks import CaseProgress, progress_events
from domain.subscriptions import CASE_DEADLINE_EVENTS
from tests.factories import EMP, MGR, PEER, agenda, at, goal, new_case, plan, self_assessment
from workflows.deadline_engine import CaseView
from workflows.payloads import LogEvent
from workflows.relay import deadline_facts

Step = Callable[[DevelopmentCase, datetime], Any]

STEPS: dict[str, Step] = {
    "self_assessment": lambda c, t: c.record_self_assessment(
        assessment=self_assessment(), by=By(EMP, t)
    ),
    "peer_request": lambda c, t: c.request_peer_feedback(peer_id=PEER, by=By(EMP, t)),
    "request": lambda c, t: c.request_meeting(proposed_for=t + timedelta(days=8), by=By(EMP, t)),
    "accept": lambda c, t: c.accept_meeting(by=By(MGR, t)),
    "reschedule": lambda c, t: c.reschedule_meeting(
        new_time=t + timedelta(days=2), reason="moved", by=By(MGR, t)
    ),
    "decline": lambda c, t: c.decline_meeting(reason="busy", by=By(MGR, t)),
    "agenda": lambda c, t: c.share_agenda(agenda=agenda(), by=By(EMP, t)),
    "hold": lambda c, t: c.hold_meeting(held_at=t, by=By(MGR, t)),
    "draft": lambda c, t: c.draft_plan(plan=plan(), by=By(EMP, t)),
    "submit": lambda c, t: c.submit_plan(by=By(EMP, t)),
    "changes": lambda c, t: c.request_plan_changes(comments="more detail", by=By(MGR, t)),
    "approve": lambda c, t: c.approve_plan(by=By(MGR, t)),
    "readjust_by_employee": lambda c, t: c.readjust_goal(
        goal=goal(specific="Lead two design reviews"), reason="new team", by=By(EMP, t)
    ),
    "readjust_by_manager": lambda c, t: c.readjust_goal(
        goal=goal(specific="Lead one design review"), reason="scope", by=By(MGR, t)
    ),
    "close": lambda c, t: c.close(by=By("hr", t)),
}


def as_relayed(event: Any, position: int) -> LogEvent:
    """The event as the relay hands it to the case's workflow."""
    return LogEvent(
        id=position,
        aggregate_id=event.originator_id,
        name=type(event).__name__,
        actor=event.actor,
        occurred_at=event.timestamp,
        data=deadline_facts(event),
    )


def from_tasks(progress: CaseProgress) -> set[tuple[str, datetime]]:
    return {(t.deadline, t.due_at) for t in progress.open_tasks() if t.deadline and t.due_at}


def from_engine(view: CaseView) -> set[tuple[str, datetime | None]]:
    return {
        (a.deadline, a.due_at)
        for a in view.actions()
        if a.kind == "remind" and a.deadline != OKR_PLANNING.name
    }


HAPPY_PATH = [
    ("request", 0.3),
    ("accept", 0.3),
    ("agenda", 0.3),
    ("hold", 9.0),
    ("draft", 0.3),
    ("submit", 0.3),
    ("approve", 0.3),
]
"""A prefix of it starts each sequence, so random steps also land after the plan."""
GAPS = [0.01, 0.3, 1.0, 3.0, 9.0]
"""Days between steps: a meeting is held only once its time (8 days on) has come."""
random_steps = st.lists(
    st.tuples(st.sampled_from(sorted(STEPS)), st.sampled_from(GAPS)), max_size=20
)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(HAPPY_PATH)), random_steps)
def test_tasks_and_engine_name_the_same_deadlines_at_every_point(
    happy: int, random: list[tuple[str, float]]
) -> None:
    steps = HAPPY_PATH[:happy] + random
    case = new_case()
    opened = case.collect_events()[0]
    progress = CaseProgress.opened(opened)
    view = CaseView(case_id=case.id)
    view.accept(as_relayed(opened, 1))
    position, day = 1, 0.0
    assert from_tasks(progress) == from_engine(view)
    for name, gap in steps:
        day += gap
        with contextlib.suppress(errors.DomainError):  # refused: nothing recorded
            STEPS[name](case, at(day))
        for event in case.collect_events():
            position += 1
            if type(event) in progress_events():
                progress.apply(event)
            if type(event) in CASE_DEADLINE_EVENTS:
                view.accept(as_relayed(event, position))
        assert from_tasks(progress) == from_engine(view), (name, case.phase)
