"""Every message kind: who gets it (the roster's name and address), what it says, in whose time.

The process runs through the application as people and the timer service would
take it (timer steps are the workflows' commands, taken as the service), and the
notifier turns the log into messages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import icalendar
import pytest

from api.roster_files import parse_csv
from application.service import CareerFlow
from careerflow.demo_org import DEMO_ROSTER_CSV
from domain import commands as c
from domain import plan_commands as pc
from domain import timer_commands as tc
from domain.base import SYSTEM_ACTOR
from domain.roster_validation import validate_roster
from domain.values import Party, Rung
from eventlog.follower import read_after
from notifications.channels import Contact, Notification
from notifications.directory import RosterDirectory
from notifications.notifier import Notifier
from notifications.translations import duration
from tests.factories import agenda, goal, item_spec, open_cycle_with, plan, recap

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CYCLE_NAME = "test"
"""What ``open_cycle_with`` names its cycles."""


def day(n: float) -> datetime:
    return T + timedelta(days=n)


class Run:
    """A case of Ada's (manager Grace, skip-level Edsger, HR Frances), and its messages."""

    def __init__(self, app: CareerFlow) -> None:
        self.app = app
        people = validate_roster(parse_csv(DEMO_ROSTER_CSV))
        app.import_roster(people, source="t", actor="hr", at=T)
        ada = app.get_roster().participants("ada")
        assert ada is not None
        self.cycle_id = open_cycle_with(app, [ada], start=T)
        self.case_id: UUID = app.case_for(self.cycle_id, "ada").id
        self.directory = RosterDirectory(app)
        self.notifier = Notifier(app, [], self.directory)
        self.position = 0

    def do(self, command: object, actor: str, when: datetime, target: UUID | None = None) -> None:
        self.app.execute(target or self.case_id, command, actor=actor, at=when)  # type: ignore[arg-type]

    def messages(self) -> list[Notification]:
        """The messages for what happened since the last call (each to someone on the roster)."""
        deliveries = read_after(self.app, self.position, 10_000)
        if deliveries:
            self.position = deliveries[-1].position
        found = [n for d in deliveries for n in self.notifier.notifications(d)]
        roster = self.app.get_roster()
        for note in found:
            person = roster.get(note.recipient_id)
            assert person is not None
            assert self.contact(note.recipient_id).email == person.email
            assert f"Cycle: {CYCLE_NAME}" in note.body
        return found

    def contact(self, person: str) -> Contact:
        return self.directory.contact(person)


@pytest.fixture
def run(fresh_app: CareerFlow) -> Run:
    r = Run(fresh_app)
    r.messages()  # the roster and the opening tell nobody anything
    return r


def one(messages: list[Notification], recipient: str) -> Notification:
    (found,) = [m for m in messages if m.recipient_id == recipient]
    return found


def invite_of(note: Notification) -> icalendar.cal.Component:
    (attachment,) = note.attachments
    (vevent,) = icalendar.Calendar.from_ical(attachment.content).walk("VEVENT")
    return vevent


def method_of(note: Notification) -> str:
    return str(icalendar.Calendar.from_ical(note.attachments[0].content)["method"])


def test_reminders_and_escalations_say_whose_work_what_when_how_late_and_why(run: Run) -> None:
    due = day(14)
    run.do(tc.RemindCase(deadline="prep", owner=Party.EMPLOYEE, reason="r", due_at=due),
           SYSTEM_ACTOR, day(12))  # fmt: skip
    reminder = one(run.messages(), "ada")
    assert (
        reminder.subject
        == "Reminder: the self-assessment for Ada Lovelace, due Mon 16 Mar 2026 09:00 GMT"
    )
    assert "Time left: 2 days" in reminder.body
    assert "Why you: it is yours to do" in reminder.body
    assert f"Open: /api/v1/cases/{run.case_id}" in reminder.body
    assert reminder.link == f"/api/v1/cases/{run.case_id}"

    for rung, late in ((Rung.MANAGER, 2), (Rung.SKIP_LEVEL, 5), (Rung.HR_PARTNER, 10)):
        command = tc.EscalateCase(deadline="meeting_request", rung=rung, reason="r", due_at=due)
        run.do(command, SYSTEM_ACTOR, due + timedelta(days=late, hours=3, seconds=7))
    escalations = run.messages()
    assert [m.recipient_id for m in escalations] == ["grace", "edsger", "frances"]
    grace, edsger, frances = escalations
    assert grace.subject == (
        "Escalation (rung 1): the meeting request for Ada Lovelace is 2 days and 3 hours late"
    )
    assert "Whose work: Ada Lovelace (the employee) has not acted" in grace.body
    assert "What: the meeting request" in grace.body
    # due in the recipient's own time zone, to the minute
    assert "Due: Mon 16 Mar 2026 05:00 EDT" in grace.body
    assert "Due: Mon 16 Mar 2026 10:00 CET" in edsger.body
    assert "Late by: 5 days and 3 hours" in edsger.body
    assert "rung 1 of 3" in grace.body
    assert "Ada Lovelace's manager" in grace.body
    assert "rung 2 of 3" in edsger.body
    assert "skip-level manager" in edsger.body
    assert "rung 3 of 3" in frances.body
    assert "HR partner" in frances.body
    assert all(":07" not in m.body for m in escalations)


def test_a_manager_owned_deadline_names_the_manager_as_the_one_who_has_not_acted(
    run: Run,
) -> None:
    run.do(c.RequestMeeting(proposed_for=day(20)), "ada", day(1))
    asked = one(run.messages(), "grace")
    assert asked.subject == "Ada Lovelace asks for a career conversation"
    assert "Proposed for: Sun 22 Mar 2026 05:00 EDT" in asked.body
    due = day(3)
    command = tc.EscalateCase(
        deadline="meeting_response:1", rung=Rung.SKIP_LEVEL, reason="r", due_at=due
    )
    run.do(command, SYSTEM_ACTOR, day(5))
    escalation = one(run.messages(), "edsger")
    assert "Whose work: Grace Hopper (the manager) has not acted" in escalation.body
    assert "an answer to the meeting request for Ada Lovelace is 2 days late" in escalation.subject


def test_the_other_party_hears_of_every_step_and_invitations_follow_the_meeting(
    run: Run,
) -> None:
    run.do(c.RequestPeerFeedback(peer_id="linus"), "ada", day(0.5))
    peer = one(run.messages(), "linus")
    assert peer.subject == "Ada Lovelace asks for your feedback before their career conversation"
    assert run.contact("linus").email == "linus@example.com"

    run.do(c.RequestMeeting(proposed_for=day(10)), "ada", day(1))
    run.messages()
    run.do(c.AcceptMeeting(), "grace", day(2))
    accepted = run.messages()
    assert {m.recipient_id for m in accepted} == {"ada", "grace"}
    first = invite_of(accepted[0])
    uid, first_sequence = str(first["uid"]), int(first.decoded("sequence"))

    run.do(c.ShareAgenda.of(agenda()), "ada", day(3))
    told = one(run.messages(), "grace")
    assert told.subject == "Ada Lovelace shared the agenda for your career conversation"
    assert "Topics: achievements, goals" in told.body

    run.do(c.RescheduleMeeting(new_time=day(11), reason="Travel"), "grace", day(4))
    moved = run.messages()
    assert {m.recipient_id for m in moved} == {"ada", "grace"}
    assert all(m.subject == "Career conversation moved" for m in moved)
    assert "Moved by Grace Hopper: Travel" in moved[0].body
    update = invite_of(moved[0])
    assert str(update["uid"]) == uid
    assert int(update.decoded("sequence")) > first_sequence
    assert method_of(moved[0]) == "REQUEST"

    run.do(c.DeclineMeeting(reason="Reorg week"), "grace", day(5))
    called_off = run.messages()
    assert {m.recipient_id for m in called_off} == {"ada", "grace"}
    cancel = invite_of(called_off[0])
    assert method_of(called_off[0]) == "CANCEL"
    assert str(cancel["uid"]) == uid
    assert int(cancel.decoded("sequence")) > int(update.decoded("sequence"))
    assert str(cancel["status"]) == "CANCELLED"
    assert "Reason: Reorg week" in called_off[0].body

    run.do(c.RequestMeeting(proposed_for=day(14)), "ada", day(6))
    run.do(c.DeclineMeeting(reason="Not yet"), "grace", day(6.5))
    declined = run.messages()
    assert [m.subject for m in declined if m.recipient_id == "ada"] == ["Meeting request declined"]
    assert all(not m.attachments for m in declined)


def test_the_plan_check_ins_and_action_items_reach_their_people(run: Run) -> None:
    run.do(c.RequestMeeting(proposed_for=day(9)), "ada", day(1))
    run.do(c.AcceptMeeting(), "grace", day(2))
    run.do(c.HoldMeeting(held_at=day(9)), "grace", day(9))
    title = "Shadow the staff engineer"
    spec = item_spec("grace", title=title).model_copy(update={"due_at": day(40)})
    run.messages()
    run.do(c.ShareRecap.of(recap(spec, follow_up_on=date(2026, 4, 1))), "grace", day(9.1))
    shared = one(run.messages(), "ada")
    assert shared.subject == "Recap of your career conversation"
    assert "Shared by Grace Hopper." in shared.body
    item_id = run.app.get_case(run.case_id).action_item_ids[0]
    item = run.app.get_action_item(item_id)
    run.do(tc.RemindItem(reason="r"), SYSTEM_ACTOR, item.due_at - timedelta(days=2), item_id)
    (reminder,) = run.messages()
    assert reminder.recipient_id == "grace"
    assert f'the action item "{title}"' in reminder.subject
    assert reminder.link == f"/api/v1/action-items/{item_id}"

    run.do(pc.DraftPlan.of(plan()), "ada", day(10))
    run.do(pc.SubmitPlan(), "ada", day(10.5))
    submitted = one(run.messages(), "grace")
    assert submitted.subject == "Ada Lovelace submitted a development plan"
    run.do(pc.RequestPlanChanges(comments="Add a measure"), "grace", day(11))
    changes = one(run.messages(), "ada")
    assert "Grace Hopper asks for changes" in changes.body
    assert "Add a measure" in changes.body
    run.do(pc.DraftPlan.of(plan()), "ada", day(11.2))
    run.do(pc.SubmitPlan(), "ada", day(11.5))
    run.do(pc.ApprovePlan(), "grace", day(12))
    approved = [m for m in run.messages() if m.recipient_id == "ada"]
    assert [m.subject for m in approved] == ["Your development plan is approved"]

    run.do(tc.MarkCheckInDue(number=1, due_at=day(36)), SYSTEM_ACTOR, day(36))
    due = run.messages()
    assert {m.subject for m in due} == {
        "Check-in 1 with Grace Hopper is due",
        "Check-in 1 with Ada Lovelace is due",
    }
    assert "Due: Tue 07 Apr 2026 10:00 BST" in one(due, "ada").body
    run.do(tc.MarkCheckInMissed(number=1), SYSTEM_ACTOR, day(44))
    missed = run.messages()
    assert {(m.recipient_id, m.subject) for m in missed} == {
        ("ada", "Check-in 1 missed"),
        ("grace", "Check-in 1 missed"),
    }
    readjusted = goal().model_copy(update={"specific": "Run two architecture reviews"})
    run.do(pc.ReadjustGoal(goal=readjusted, reason="The team halved"), "ada", day(45))
    proposal = one(run.messages(), "grace")
    assert proposal.subject == "Ada Lovelace proposes to readjust a goal"
    assert "Run two architecture reviews" in proposal.body
    assert "Why: The team halved" in proposal.body


def test_a_late_action_item_of_the_manager_escalates_to_the_skip_level_by_title(
    fresh_app: CareerFlow,
) -> None:
    run = Run(fresh_app)
    run.do(c.RequestMeeting(proposed_for=day(9)), "ada", day(1))
    run.do(c.AcceptMeeting(), "grace", day(2))
    run.do(c.HoldMeeting(held_at=day(9)), "grace", day(9))
    spec = item_spec("grace", title="Book the training").model_copy(update={"due_at": day(20)})
    run.do(c.ShareRecap.of(recap(spec, follow_up_on=date(2026, 4, 1))), "grace", day(9.1))
    run.messages()
    item_id = run.app.get_case(run.case_id).action_item_ids[0]
    run.do(tc.MarkItemOverdue(), SYSTEM_ACTOR, day(20), item_id)
    overdue = one(run.messages(), "grace")
    assert overdue.subject == 'Action item overdue: "Book the training"'
    run.do(tc.EscalateItem(rung=Rung.SKIP_LEVEL, reason="r"), SYSTEM_ACTOR, day(25), item_id)
    escalation = one(run.messages(), "edsger")
    assert (
        'the action item "Book the training" for Ada Lovelace is 5 days late' in escalation.subject
    )
    assert "Whose work: Grace Hopper (the action item's owner) has not acted" in escalation.body


def test_durations_read_as_people_say_them() -> None:
    assert duration(timedelta(seconds=20)) == "less than a minute"
    assert duration(timedelta(hours=49, minutes=5, seconds=59)) == "2 days, 1 hour and 5 minutes"


def test_closing_a_case_with_a_meeting_ahead_cancels_the_invitation(run: Run) -> None:
    run.do(c.RequestMeeting(proposed_for=day(9)), "ada", day(1))
    run.do(c.AcceptMeeting(), "grace", day(2))
    run.messages()
    run.do(pc.CloseCase(), "hedy", day(3))
    cancelled = run.messages()
    assert {m.recipient_id for m in cancelled} == {"ada", "grace"}
    assert all(method_of(m) == "CANCEL" for m in cancelled)
    assert invite_of(cancelled[0]).decoded("dtstart") == day(9)
