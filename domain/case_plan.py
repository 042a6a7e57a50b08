"""Steps 5 to 8 of a case: the plan, its approval, check-ins, deadlines and closing.

A base of ``DevelopmentCase``; the event classes it records are bound there.
"""

from __future__ import annotations

from datetime import datetime

from domain import case_events as ev
from domain import errors
from domain.absences import NOBODY_AWAY, Away
from domain.base import (
    By,
    Decision,
    Recorded,
    addressed,
    command,
    escalation_recipient,
    ladder,
    require_aware,
    require_system,
)
from domain.case_state import CaseState, PlanVersion
from domain.phases import PLAN_EDITABLE, Phase, PlanStatus
from domain.values import (
    CaseOutcome,
    DevelopmentPlan,
    GoalProgress,
    Party,
    Rung,
    SmartErGoal,
)


class PlanSteps(CaseState):
    # --- 5. draft the plan ----------------------------------------------------------

    @command(ev.PlanDrafted)
    def draft_plan(self, *, plan: DevelopmentPlan, by: By) -> Decision:
        """A draft is edited in place until submitted; after a review it is a new version."""
        self._live()
        self._as_employee(by.actor, "draft the development plan")
        self._held("draft the plan", errors.PlanBeforeMeeting)
        if self.phase not in PLAN_EDITABLE:
            raise errors.PlanNotEditable(
                "the plan can only be drafted after the meeting or when changes were requested",
                current=self.phase,
            )
        for i, goal in enumerate(plan.goals):
            self._goal_inside_cycle(goal, f"plan.goals[{i}].due_on")
        current = self.current_plan
        editing = current is not None and current.status is PlanStatus.DRAFT
        version = current.version if editing and current else len(self.plans) + 1
        return {"version": version, "plan": plan}

    # --- 6. approve ---------------------------------------------------------------------

    @command(ev.PlanSubmitted)
    def submit_plan(self, *, by: By) -> Decision:
        self._live()
        self._as_employee(by.actor, "submit the plan")
        current = self.current_plan
        if current is None or current.status is not PlanStatus.DRAFT:
            raise errors.NoDraftPlan("there is no draft plan to submit", current=self.phase)
        due = self.plan_due_at
        assert due is not None
        return {"version": current.version, "late": by.at > due}

    def _submitted(self, action: str) -> PlanVersion:
        current = self.current_plan
        if current is None or current.status is not PlanStatus.SUBMITTED:
            raise errors.PlanNotSubmitted(
                f"cannot {action}: no plan is waiting for approval", current=self.phase
            )
        return current

    @command(ev.PlanChangesRequested)
    def request_plan_changes(self, *, comments: str, by: By) -> Decision:
        self._live()
        self._as_manager(by.actor, "request changes to the plan")
        plan = self._submitted("request changes")
        if not comments.strip():
            raise errors.InvalidCommand("comments", "say what should change")
        return {"version": plan.version, "comments": comments.strip()}

    @command(ev.PlanApproved)
    def approve_plan(self, *, by: By) -> Decision:
        self._live()
        self._as_manager(by.actor, "approve the plan")
        plan = self._submitted("approve the plan")
        assert plan.submitted_at is not None
        return {
            "version": plan.version,
            "late": by.at > plan.submitted_at + self.policy.approval_sla,
        }

    # --- 7. check in ---------------------------------------------------------------------

    def mark_check_in_due(self, *, number: int, due_at: datetime, by: By) -> bool:
        """Timer step; idempotent by number. Returns False when nothing was recorded."""
        require_system(by.actor, "mark a check-in due")
        if self.is_closed or number in self.check_ins:
            return False
        self._approved("open a check-in", errors.CheckInBeforeApproval)
        expected = max(self.check_ins, default=0) + 1
        if number != expected:
            raise errors.InvalidCommand("number", f"the next check-in is number {expected}")
        require_aware(due_at, "due_at")
        self._emit(ev.CheckInDue, by, number=number, due_at=due_at)
        return True

    @command(ev.CheckInHeld)
    def hold_check_in(
        self,
        *,
        notes: str,
        progress: list[GoalProgress],
        by: By,
    ) -> Decision:
        self._live()
        self._as_party(by.actor, "hold a check-in")
        plan = self._approved("hold a check-in", errors.CheckInBeforeApproval)
        for i, entry in enumerate(progress):
            if plan.plan.goal(entry.goal_id) is None:
                raise errors.UnknownGoal(
                    f"progress[{i}].goal_id", f"{entry.goal_id!r} is not in the approved plan"
                )
        due = self.open_check_in
        return {
            "number": max(self.check_ins, default=0) + 1 if due is None else due.number,
            "notes": notes,
            "progress": list(progress),
        }

    def mark_check_in_missed(self, *, number: int, by: By) -> bool:
        """Timer step at the end of the grace period; idempotent by number."""
        require_system(by.actor, "mark a check-in missed")
        check_in = self.check_ins.get(number)
        if self.is_closed or check_in is None or check_in.held_at or check_in.missed:
            return False
        if by.at < check_in.due_at + self.policy.checkin_grace:
            raise errors.InvalidCommand("at", "the check-in's grace period has not ended")
        self._emit(ev.CheckInMissed, by, number=number)
        return True

    @command(ev.GoalProgressRecorded)
    def record_goal_progress(
        self,
        *,
        progress: GoalProgress,
        by: By,
    ) -> Decision:
        self._live()
        self._as_party(by.actor, "record goal progress")
        plan = self._approved("record goal progress")
        if plan.plan.goal(progress.goal_id) is None:
            raise errors.UnknownGoal("goal_id", f"{progress.goal_id!r} is not in the approved plan")
        return {"progress": progress}

    @command(ev.GoalReadjusted, ev.ReadjustmentProposed)
    def readjust_goal(
        self,
        *,
        goal: SmartErGoal,
        reason: str,
        by: By,
    ) -> Decision:
        """The R of SMART+ER: a new plan version; approved versions never change.

        The manager's readjustment takes effect at once (they agree by making it); the
        employee's is a proposal the manager approves or sends back, like any plan.
        """
        self._live()
        self._as_party(by.actor, "readjust a goal")
        plan = self._approved("readjust a goal")
        if self.phase is not Phase.PLAN_APPROVED:
            raise errors.PlanNotEditable(
                "a readjustment is already waiting for the manager", current=self.phase
            )
        if plan.plan.goal(goal.goal_id) is None:
            raise errors.UnknownGoal("goal.goal_id", f"{goal.goal_id!r} is not in the plan")
        if not reason.strip():
            raise errors.InvalidCommand("reason", "say why the goal is readjusted")
        self._goal_inside_cycle(goal)
        event = ev.GoalReadjusted if by.actor == self.manager_id else ev.ReadjustmentProposed
        return Recorded(
            event,
            {
                "goal": goal,
                "reason": reason.strip(),
                "from_version": plan.version,
                "version": len(self.plans) + 1,
            },
        )

    # --- deadlines: reminders and escalations ---------------------------------------

    def record_reminder(
        self, *, deadline: str, owner: Party, reason: str, due_at: datetime | None = None,
        away: Away = NOBODY_AWAY, by: By,
    ) -> bool:  # fmt: skip
        """Timer step: remind the deadline's owner (or whoever stands in for them while
        they are away); once per deadline."""
        if self.is_closed:
            return False
        start = 0 if Party(owner) is Party.EMPLOYEE else int(Rung.MANAGER)
        owner_id = ladder(self.participants)[start]
        assert owner_id is not None
        to = addressed(self.participants, start, away, fallback=owner_id)
        return self._record_reminder(deadline=deadline, to=to, reason=reason, due_at=due_at, by=by)

    def escalate(
        self, *, deadline: str, rung: Rung, reason: str, due_at: datetime | None = None,
        away: Away = NOBODY_AWAY, by: By,
    ) -> bool:  # fmt: skip
        """Timer step: escalate to the rung's person from the current roster (or whoever
        stands in for them); once per rung."""
        if self.is_closed:
            return False
        recipient = escalation_recipient(self.participants, rung)
        if recipient is None:
            raise errors.NoEscalationTarget("rung", f"{self.employee_id} has no {rung.name}")
        to = addressed(self.participants, int(rung), away, fallback=None)
        return self._record_escalation(deadline, rung, to, reason, due_at, by)

    # --- 8. close -------------------------------------------------------------------------

    def unfinished(self) -> list[str]:
        """What a closed case leaves undone (kept visible in reports)."""
        missing = []
        if self.self_assessment is None:
            missing.append("self_assessment")
        if self.held_at is None:
            missing.append("meeting")
        if self.recap is None:
            missing.append("recap")
        if self.approved_version is None:
            missing.append("approved_plan")
        missing.extend(f"check_in:{c.number}" for c in self.check_ins.values() if not c.held_at)
        return missing

    def close(
        self,
        *,
        by: By,
        outcome: CaseOutcome | None = None,
    ) -> bool:
        """Close with an outcome (derived when not given); closing twice records nothing."""
        if self.is_closed:
            return False
        require_aware(by.at)
        if outcome is None:
            outcome = (
                CaseOutcome.PLAN_APPROVED
                if self.approved_version is not None
                else CaseOutcome.INCOMPLETE
            )
        self._emit(
            ev.CaseClosed,
            by,
            outcome=outcome.value,
            phase_at_close=self.phase.value,
            unfinished=self.unfinished(),
        )
        return True
