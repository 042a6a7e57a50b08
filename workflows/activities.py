"""Activities: the only way workflows change anything, always through domain commands.

Every command here is idempotent by domain state (a reminder per deadline, an
escalation per deadline and rung, a check-in per number), so a retried activity
never records an event twice. They are synchronous (the application service is
blocking) and run in the worker's thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import activity

from domain import errors
from domain.application import CareerFlow
from workflows.messages import (
    CaseEscalation,
    CaseReminder,
    CheckInStep,
    CloseCycle,
    ItemStep,
    OpenBatch,
)


class CareerActivities:
    """Bound to one application service; the worker registers its methods."""

    def __init__(self, app: CareerFlow) -> None:
        self.app = app

    @activity.defn
    def open_cases(self, batch: OpenBatch) -> int:
        """Open the cycle (once) and the cases of one batch of the population."""
        result = self.app.open_cycle(
            batch.cycle_id,
            population=batch.population,
            actor="careerflow:cycle-workflow",
            at=batch.at,
        )
        return result.changed

    @activity.defn
    def close_cycle(self, step: CloseCycle) -> int:
        """Close every open case with its outcome, then the cycle."""

        def heartbeat(done: int) -> None:
            activity.heartbeat(done)

        result = self.app.close_cycle(
            step.cycle_id, actor="careerflow:cycle-workflow", at=step.at, progress=heartbeat
        )
        return result.changed

    @activity.defn
    def remind_case(self, step: CaseReminder) -> bool:
        return self.app.remind_case(
            step.case_id, deadline=step.deadline, owner=step.owner, reason=step.reason, at=step.at
        )

    @activity.defn
    def escalate_case(self, step: CaseEscalation) -> bool:
        """Escalate one rung; a rung with nobody on it (no skip-level) records nothing."""
        try:
            return self.app.escalate_case(
                step.case_id, deadline=step.deadline, rung=step.rung, reason=step.reason, at=step.at
            )
        except errors.NoEscalationTarget:
            return False

    @activity.defn
    def mark_check_in_due(self, step: CheckInStep) -> bool:
        return self.app.mark_check_in_due(
            step.case_id, number=step.number, due_at=step.due_at, at=step.at
        )

    @activity.defn
    def mark_check_in_missed(self, step: CheckInStep) -> bool:
        return self.app.mark_check_in_missed(step.case_id, number=step.number, at=step.at)

    @activity.defn
    def remind_action_item(self, step: ItemStep) -> bool:
        return self.app.remind_action_item(step.item_id, reason=step.reason, at=step.at)

    @activity.defn
    def mark_action_item_overdue(self, step: ItemStep) -> bool:
        return self.app.mark_action_item_overdue(step.item_id, at=step.at)

    @activity.defn
    def escalate_action_item(self, step: ItemStep) -> bool:
        assert step.rung is not None
        try:
            return self.app.escalate_action_item(
                step.item_id, rung=step.rung, reason=step.reason, at=step.at
            )
        except errors.NoEscalationTarget:
            return False

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.open_cases,
            self.close_cycle,
            self.remind_case,
            self.escalate_case,
            self.mark_check_in_due,
            self.mark_check_in_missed,
            self.remind_action_item,
            self.mark_action_item_overdue,
            self.escalate_action_item,
        ]
