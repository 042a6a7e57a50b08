"""A case's open steps follow its events: who owes what, and by when (pure, no database)."""

from __future__ import annotations

from datetime import timedelta

from domain import deadlines
from domain.base import SYSTEM_ACTOR, By
from domain.case import DevelopmentCase
from domain.open_tasks import CaseProgress
from domain.step_records import Task
from tests.factories import EMP, MGR, PEER, agenda, at, new_case, plan, recap


def progress_of(case: DevelopmentCase) -> CaseProgress:
    events = list(case.collect_events())
    progress = CaseProgress.opened(events[0])
    for event in events[1:]:
        progress.apply(event)
    return progress


def owed(progress: CaseProgress) -> set[tuple[Task | str, str]]:
    return {(t.task, t.person_id) for t in progress.open_tasks()}


def test_open_steps_move_through_the_process_with_their_people_and_due_times() -> None:
    case = new_case()
    progress = progress_of(case)
    assert owed(progress) == {(Task.PREPARE, EMP), (Task.REQUEST_MEETING, EMP)}
    prep = next(t for t in progress.open_tasks() if t.task is Task.PREPARE)
    assert prep.due_at == progress.opened_at + progress.policy.prep_window
    assert prep.deadline == deadlines.PREP.name

    case.request_peer_feedback(peer_id=PEER, by=By(EMP, at(1)))
    case.request_meeting(proposed_for=at(10), by=By(EMP, at(1)))
    for event in case.collect_events():
        progress.apply(event)
    assert owed(progress) == {
        (Task.PREPARE, EMP),
        (Task.SHARE_AGENDA, EMP),
        (Task.ANSWER_MEETING_REQUEST, MGR),
        (Task.GIVE_PEER_FEEDBACK, PEER),
    }
    assert progress.open_deadline_keys() == {"prep", "meeting_response:1"}

    case.accept_meeting(by=By(MGR, at(2)))
    case.share_agenda(agenda=agenda(), by=By(EMP, at(3)))
    case.hold_meeting(held_at=at(10), by=By(MGR, at(10)))
    for event in case.collect_events():
        progress.apply(event)
    assert (Task.SUBMIT_PLAN, EMP) in owed(progress)
    assert {(Task.SHARE_RECAP, EMP), (Task.SHARE_RECAP, MGR)} <= owed(progress)
    assert (Task.PREPARE, EMP) not in owed(progress)  # preparation ends with the meeting

    case.share_recap(recap=recap(), action_item_ids=[], by=By(MGR, at(10.5)))
    case.draft_plan(plan=plan(), by=By(EMP, at(11)))
    case.submit_plan(by=By(EMP, at(12)))
    for event in case.collect_events():
        progress.apply(event)
    review = next(t for t in progress.open_tasks() if t.task is Task.REVIEW_PLAN)
    assert (review.person_id, review.deadline) == (MGR, "approval:1")
    assert review.due_at == at(12) + progress.policy.approval_sla
    assert not any(t.task is Task.SHARE_RECAP for t in progress.open_tasks())

    case.approve_plan(by=By(MGR, at(13)))
    case.mark_check_in_due(number=1, due_at=at(43), by=By(SYSTEM_ACTOR, at(43)))
    for event in case.collect_events():
        progress.apply(event)
    check_ins = [t for t in progress.open_tasks() if t.task is Task.HOLD_CHECK_IN]
    assert {(t.person_id, t.number, t.due_at) for t in check_ins} == {
        (EMP, 1, at(43)),
        (MGR, 1, at(43)),
    }
    case.close(by=By("hr", at(44)))
    for event in case.collect_events():
        progress.apply(event)
    assert progress.open_tasks() == []


def test_a_roster_change_hands_the_managers_steps_to_the_new_manager() -> None:
    case = new_case()
    case.request_meeting(proposed_for=at(10), by=By(EMP, at(1)))
    progress = progress_of(case)
    new = case.participants.model_copy(update={"manager_id": "new-mgr"})
    case.change_manager(participants=new, by=By("hr", at(2)))
    for event in case.collect_events():
        progress.apply(event)
    assert (Task.ANSWER_MEETING_REQUEST, "new-mgr") in owed(progress)
    assert not any(person == MGR for _, person in owed(progress))
    assert progress.open_tasks()[0].due_at is not None
    assert timedelta(0) < progress.policy.meeting_response
