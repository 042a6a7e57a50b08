"""Activities: the only way workflows change anything, always through domain commands.

Every command here is idempotent by domain state (a reminder per deadline, an
escalation per deadline and rung, a check-in per number), so a retried activity
never records an event twice. They are synchronous (the application service is
blocking) and run in the worker's thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import activity

from application.service import CareerFlow
from domain import errors
from domain import timer_commands as tc
from domain.base import SYSTEM_ACTOR
from domain.commands import CaseCommand, ItemCommand
from workflows.payloads import CaseFollowUp, CheckInTimer, CloseCycle, ItemTimer

CYCLE_ACTOR = "careerflow:cycle-workflow"


class CareerActivities:
    """Bound to one application service; the worker registers its methods."""

    def __init__(self, app: CareerFlow) -> None:
        self.app = app

    def _run(self, target: Any, command: CaseCommand | ItemCommand, step: Any) -> bool:
        """Take a timer step as the service; a rung with nobody on it records nothing."""
        try:
            return self.app.execute(target, command, actor=SYSTEM_ACTOR, at=step.at).changed
        except errors.NoEscalationTarget:
            return False

    @activity.defn
    def close_cycle(self, step: CloseCycle) -> int:
        """Close every open case with its outcome, then the cycle."""

        def heartbeat(done: int) -> None:
            activity.heartbeat(done)

        result = self.app.close_cycle(
            step.cycle_id, actor=CYCLE_ACTOR, at=step.at, progress=heartbeat
        )
        return result.changed

    @activity.defn
    def expire_cycle_data(self, step: CloseCycle) -> int:
        """The cycle's retention passed: erase its cases' personal data."""

        def heartbeat(done: int) -> None:
            activity.heartbeat(done)

        return self.app.expire_cycle_data(step.cycle_id, at=step.at, progress=heartbeat)

    @activity.defn
    def enrol_new_hires(self, step: CloseCycle) -> int:
        """Enrol the people who joined since the cycle opened and are past its grace."""

        def heartbeat(done: int) -> None:
            activity.heartbeat(done)

        return self.app.enrol_new_hires(step.cycle_id, at=step.at, progress=heartbeat)

    @activity.defn
    def remind_case(self, step: CaseFollowUp) -> bool:
        assert step.owner is not None
        return self._run(step.case_id, _taken_from(tc.RemindCase, step), step)

    @activity.defn
    def escalate_case(self, step: CaseFollowUp) -> bool:
        assert step.rung is not None
        return self._run(step.case_id, _taken_from(tc.EscalateCase, step), step)

    @activity.defn
    def mark_check_in_due(self, step: CheckInTimer) -> bool:
        return self._run(step.case_id, _taken_from(tc.MarkCheckInDue, step), step)

    @activity.defn
    def mark_check_in_missed(self, step: CheckInTimer) -> bool:
        return self._run(step.case_id, tc.MarkCheckInMissed(number=step.number), step)

    @activity.defn
    def remind_action_item(self, step: ItemTimer) -> bool:
        return self._run(step.item_id, tc.RemindItem(reason=step.reason), step)

    @activity.defn
    def mark_action_item_overdue(self, step: ItemTimer) -> bool:
        return self._run(step.item_id, tc.MarkItemOverdue(), step)

    @activity.defn
    def escalate_action_item(self, step: ItemTimer) -> bool:
        assert step.rung is not None
        return self._run(step.item_id, tc.EscalateItem(rung=step.rung, reason=step.reason), step)

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.close_cycle,
            self.expire_cycle_data,
            self.enrol_new_hires,
            self.remind_case,
            self.escalate_case,
            self.mark_check_in_due,
            self.mark_check_in_missed,
            self.remind_action_item,
            self.mark_action_item_overdue,
            self.escalate_action_item,
        ]


C = TypeVar("C", bound=CaseCommand)


def _taken_from(command: type[C], timer: Any) -> C:
    """The timer step's command, its fields taken from what the timer carries."""
    return command.model_validate({name: getattr(timer, name) for name in command.model_fields})
