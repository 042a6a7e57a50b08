"""No sequence of commands, by anyone, at any time, reaches an invalid case state.

Hypothesis drives a case with random commands from random actors at advancing
times. A refused command must leave no trace; an accepted one must leave a state
that satisfies the invariants and that replaying the recorded events rebuilds.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain import errors
from domain.base import SYSTEM_ACTOR, By
from domain.case import BEFORE_MEETING, DevelopmentCase, Phase, PlanStatus
from domain.values import DevelopmentPlan, GoalProgress, Party, Policy, Rung
from tests.factories import (
    EMP,
    MGR,
    PEER,
    STRANGER,
    agenda,
    at,
    goal,
    item_spec,
    new_case,
    plan,
    recap,
    self_assessment,
)

actors = st.sampled_from([EMP, EMP, MGR, MGR, PEER, STRANGER, SYSTEM_ACTOR])
steps = st.floats(min_value=0, max_value=8, allow_nan=False)
goal_ids = st.sampled_from(["g1", "g2"])


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.case = new_case(policy=Policy(meeting_notice=timedelta(days=3)))
        self.events: list[Any] = list(self.case.collect_events())
        self.now = 0.0
        self.approved: dict[int, DevelopmentPlan] = {}
        self.steps = 0

    def attempt(self, command: Any, advance: float) -> None:
        self.steps += 1
        self.now += advance
        version = self.case.version
        try:
            command()
        except errors.DomainError:
            assert self.case.version == version, "a refused command changed the case"
            assert not self.case.pending_events
        self.events.extend(self.case.collect_events())
        note_event(f"reached {self.case.phase}")

    # --- rules: every command, any actor --------------------------------------------

    @rule(actor=actors, dt=steps)
    def self_assess(self, actor: str, dt: float) -> None:
        self.attempt(
            lambda: self.case.record_self_assessment(
                assessment=self_assessment(), by=By(actor, at(self.now))
            ),
            dt,
        )

    @rule(actor=actors, dt=steps, gid=goal_ids)
    def propose(self, actor: str, dt: float, gid: str) -> None:
        self.attempt(lambda: self.case.propose_goal(goal=goal(gid), by=By(actor, at(self.now))), dt)

    @rule(actor=actors, dt=steps, lead=st.floats(min_value=0, max_value=30))
    def request(self, actor: str, dt: float, lead: float) -> None:
        self.attempt(
            lambda: self.case.request_meeting(
                proposed_for=at(self.now + lead), by=By(actor, at(self.now))
            ),
            dt,
        )

    @rule(actor=actors, dt=steps)
    def accept(self, actor: str, dt: float) -> None:
        self.attempt(lambda: self.case.accept_meeting(by=By(actor, at(self.now))), dt)

    @rule(actor=actors, dt=steps)
    def decline(self, actor: str, dt: float) -> None:
        self.attempt(
            lambda: self.case.decline_meeting(reason="busy", by=By(actor, at(self.now))), dt
        )

    @rule(actor=actors, dt=steps, lead=st.floats(min_value=-5, max_value=30))
    def reschedule(self, actor: str, dt: float, lead: float) -> None:
        self.attempt(
            lambda: self.case.reschedule_meeting(
                new_time=at(self.now + lead), reason="clash", by=By(actor, at(self.now))
            ),
            dt,
        )

    @rule(actor=actors, dt=steps)
    def share_agenda(self, actor: str, dt: float) -> None:
        self.attempt(
            lambda: self.case.share_agenda(agenda=agenda(), by=By(actor, at(self.now))), dt
        )

    @rule(actor=actors, dt=steps)
    def hold(self, actor: str, dt: float) -> None:
        self.attempt(
            lambda: self.case.hold_meeting(held_at=at(self.now), by=By(actor, at(self.now))), dt
        )

    @rule(actor=actors, dt=steps, due=st.floats(min_value=0, max_value=400))
    def share_recap(self, actor: str, dt: float, due: float) -> None:
        from uuid import uuid4

        self.attempt(
            lambda: self.case.share_recap(
                recap=recap(item_spec(due=due), follow_up_on=date(2026, 6, 1)),
                action_item_ids=[uuid4()],
                by=By(actor, at(self.now)),
            ),
            dt,
        )

    @rule(actor=actors, dt=steps, gid=goal_ids)
    def draft(self, actor: str, dt: float, gid: str) -> None:
        self.attempt(
            lambda: self.case.draft_plan(plan=plan(goal(gid)), by=By(actor, at(self.now))), dt
        )

    @rule(actor=actors, dt=steps)
    def submit(self, actor: str, dt: float) -> None:
        self.attempt(lambda: self.case.submit_plan(by=By(actor, at(self.now))), dt)

    @rule(actor=actors, dt=steps)
    def request_changes(self, actor: str, dt: float) -> None:
        self.attempt(
            lambda: self.case.request_plan_changes(
                comments="more detail", by=By(actor, at(self.now))
            ),
            dt,
        )

    @rule(actor=actors, dt=steps)
    def approve(self, actor: str, dt: float) -> None:
        self.attempt(lambda: self.case.approve_plan(by=By(actor, at(self.now))), dt)

    @rule(actor=actors, dt=steps, number=st.integers(min_value=1, max_value=3))
    def check_in_due(self, actor: str, dt: float, number: int) -> None:
        self.attempt(
            lambda: self.case.mark_check_in_due(
                number=number, due_at=at(self.now), by=By(actor, at(self.now))
            ),
            dt,
        )

    @rule(actor=actors, dt=steps, gid=goal_ids)
    def hold_check_in(self, actor: str, dt: float, gid: str) -> None:
        progress = [GoalProgress(goal_id=gid, percent=50)]
        self.attempt(
            lambda: self.case.hold_check_in(
                notes="n", progress=progress, by=By(actor, at(self.now))
            ),
            dt,
        )

    @rule(actor=actors, dt=steps, number=st.integers(min_value=1, max_value=3))
    def check_in_missed(self, actor: str, dt: float, number: int) -> None:
        self.attempt(
            lambda: self.case.mark_check_in_missed(number=number, by=By(actor, at(self.now))), dt
        )

    @rule(actor=actors, dt=steps, gid=goal_ids)
    def readjust(self, actor: str, dt: float, gid: str) -> None:
        new_goal = goal(gid, specific="A readjusted, more focused goal")
        self.attempt(
            lambda: self.case.readjust_goal(
                goal=new_goal, reason="scope", by=By(actor, at(self.now))
            ),
            dt,
        )

    @rule(actor=actors, dt=steps, rung=st.sampled_from(list(Rung)))
    def escalate(self, actor: str, dt: float, rung: Rung) -> None:
        self.attempt(
            lambda: self.case.escalate(
                deadline="d", rung=rung, reason="late", by=By(actor, at(self.now))
            ),
            dt,
        )

    @rule(actor=actors, dt=steps)
    def remind(self, actor: str, dt: float) -> None:
        self.attempt(
            lambda: self.case.record_reminder(
                deadline="d", owner=Party.EMPLOYEE, reason="soon", by=By(actor, at(self.now))
            ),
            dt,
        )

    @precondition(lambda self: self.steps > 30)
    @rule(dt=steps)
    def close(self, dt: float) -> None:
        self.attempt(lambda: self.case.close(by=By("hr", at(self.now))), dt)

    # --- a guided rule, so that runs get deep into the process ----------------------

    def happy_step(self) -> None:
        """Take the next step of the happy path with the right actor."""
        case, now = self.case, at(self.now)
        phase = case.phase
        if phase in (Phase.PREPARING, Phase.MEETING_DECLINED):
            case.request_meeting(proposed_for=now + timedelta(days=4), by=By(EMP, now))
        elif phase is Phase.MEETING_REQUESTED:
            case.accept_meeting(by=By(MGR, now))
        elif phase is Phase.MEETING_SCHEDULED:
            case.hold_meeting(held_at=now, by=By(EMP, now))
        elif phase in (Phase.MEETING_HELD, Phase.CHANGES_REQUESTED):
            case.draft_plan(plan=plan(goal("g1"), goal("g2")), by=By(EMP, now))
        elif phase is Phase.PLAN_DRAFTED:
            case.submit_plan(by=By(EMP, now))
        elif phase is Phase.PLAN_SUBMITTED:
            case.approve_plan(by=By(MGR, now))
        elif phase is Phase.PLAN_APPROVED:
            number = max(case.check_ins, default=0) + 1
            case.mark_check_in_due(number=number, due_at=now, by=By(SYSTEM_ACTOR, now))

    @rule(dt=steps)
    def advance(self, dt: float) -> None:
        self.attempt(self.happy_step, dt)

    @rule(dt=steps)
    def advance_again(self, dt: float) -> None:
        self.attempt(self.happy_step, dt)

    @rule(dt=steps)
    def advance_once_more(self, dt: float) -> None:
        self.attempt(self.happy_step, dt)

    # --- invariants ----------------------------------------------------------------

    @invariant()
    def the_meeting_is_held_exactly_when_the_phase_says_so(self) -> None:
        case = self.case
        if case.phase in BEFORE_MEETING:
            assert case.held_at is None
            assert not case.plans
        elif case.phase is not Phase.CLOSED:
            assert case.held_at is not None

    @invariant()
    def plan_phases_match_the_current_version(self) -> None:
        current = self.case.current_plan
        expected = {
            Phase.PLAN_DRAFTED: PlanStatus.DRAFT,
            Phase.PLAN_SUBMITTED: PlanStatus.SUBMITTED,
            Phase.CHANGES_REQUESTED: PlanStatus.CHANGES_REQUESTED,
            Phase.PLAN_APPROVED: PlanStatus.APPROVED,
        }.get(self.case.phase)
        if expected is not None:
            assert current is not None
            assert current.status is expected
        assert [p.version for p in self.case.plans] == list(range(1, len(self.case.plans) + 1))

    @invariant()
    def approved_versions_never_change(self) -> None:
        for version in self.case.plans:
            if (
                version.status in (PlanStatus.APPROVED, PlanStatus.SUPERSEDED)
                and version.approved_at
            ):
                frozen = self.approved.setdefault(version.version, version.plan)
                assert version.plan == frozen
        if self.case.approved_version is not None:
            assert self.case.plan_version(self.case.approved_version).status is PlanStatus.APPROVED

    @invariant()
    def check_ins_only_after_approval(self) -> None:
        if self.case.check_ins:
            assert any(p.approved_at for p in self.case.plans)
        for check_in in self.case.check_ins.values():
            assert not (check_in.missed and check_in.held_at is not None)

    @invariant()
    def the_recorded_events_rebuild_the_same_state(self) -> None:
        assert self.case.version == len(self.events)
        replayed: Any = None
        for event in self.events:
            replayed = event.mutate(replayed)
        assert isinstance(replayed, DevelopmentCase)
        assert vars(replayed) == vars(self.case)


CaseMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCaseStateMachine = CaseMachine.TestCase
