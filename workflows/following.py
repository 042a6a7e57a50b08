"""The loop every followed-aggregate workflow runs: apply events, sleep, act.

A workflow keeps a view of its aggregate built only from the events the relay
signals. It sleeps until the earliest pending action or the next event, runs due
actions as activities, and continues as new before its history grows large.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.deadlines import Action, Followed, next_wait
    from workflows.inputs import HISTORY_LIMIT
    from workflows.messages import LogEvent


ACTIVITY_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10))


class FollowingWorkflow:
    """Base for the case and action-item workflows (signal ``event``)."""

    def __init__(self) -> None:
        self._inbox: list[LogEvent] = []
        self._view: Followed | None = None
        self.actions_taken = 0

    @workflow.query
    def applied(self) -> int:
        """The id of the last event applied (tests and operators wait on it)."""
        return 0 if self._view is None else self._view.last_event_id

    @workflow.signal
    def event(self, event: LogEvent) -> None:
        self._inbox.append(event)

    def _drain(self, view: Followed) -> None:
        inbox, self._inbox = self._inbox, []
        for event in sorted(inbox, key=lambda e: e.id):
            view.accept(event)

    async def follow(
        self,
        view: Followed,
        finished: Callable[[], bool],
        act: Callable[[Action, datetime], tuple[Any, Any]],
        continue_as_new: Callable[[list[LogEvent]], None],
        history_limit: int = HISTORY_LIMIT,
    ) -> None:
        """Run until ``finished()``; ``act`` names the activity (and argument) for an action."""
        self._view = view
        while True:
            self._drain(view)
            if finished():
                return
            pending = view.pending()
            now = workflow.now()
            if pending and pending[0].at <= now:
                action = pending[0]
                method, argument = act(action, now)
                await workflow.execute_activity_method(
                    method, argument, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY
                )
                view.done.add(action.key)
                self.actions_taken += 1
                continue
            if workflow.info().get_current_history_length() > history_limit or (
                workflow.info().is_continue_as_new_suggested()
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._drain(view)
                continue_as_new(self._inbox)
            wait = next_wait(pending, now)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: bool(self._inbox), timeout=wait)
