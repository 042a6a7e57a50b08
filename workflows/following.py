"""The loop every followed-aggregate workflow runs: apply events, sleep, act.

A workflow keeps a view of its aggregate built only from the events the relay
signals. It sleeps until the earliest pending action or the next event, runs due
actions as activities, and continues as new before its history grows large.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.deadline_engine import Action, Followed, next_wait
    from workflows.inputs import FollowStart
    from workflows.payloads import LogEvent


ACTIVITY_TIMEOUT = timedelta(seconds=30)
CLOSING_TIMEOUT = timedelta(minutes=30)
"""Closing a cycle closes every case in it (heartbeating per batch)."""
RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10))
LOCAL_TIMER_STEPS = "local-timer-steps"
"""Patch id: runs from this version on take timer steps as local activities."""


V = TypeVar("V", bound=Followed)
Act = Callable[[V, Action, datetime], tuple[Any, Any]]
"""The activity (and its argument) that carries out a due action of a view."""


class FollowingWorkflow:
    """Base for the cycle, case and action-item workflows (signal ``event``)."""

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

    async def follow(self, start: FollowStart, view: V, act: Act[V]) -> V:
        """Run until the view is finished; ``act`` names the activity (and argument) for an action.

        Past ``start.history_limit`` history events the run continues as new with the
        view it has built and the events not applied yet.
        """
        self._view = view
        self._inbox = [*start.inbox, *self._inbox]
        while True:
            self._drain(view)
            if view.finished:
                return view
            pending = view.pending()
            now = workflow.now()
            if pending and pending[0].at <= now:
                action = pending[0]
                method, argument = act(view, action, now)
                await self._carry_out(action, method, argument)
                view.done.add(action.key)
                self.actions_taken += 1
                continue
            if workflow.info().get_current_history_length() > start.history_limit or (
                workflow.info().is_continue_as_new_suggested()
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._drain(view)
                workflow.continue_as_new(
                    start.model_copy(update={"view": view, "inbox": self._inbox})
                )
            wait = next_wait(pending, now)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: bool(self._inbox), timeout=wait)

    @staticmethod
    async def _carry_out(action: Action, method: Any, argument: Any) -> None:
        """Run a due action's activity: a timer step as a local activity, closing a cycle not.

        A timer step is one short domain command; as a local activity it runs inside
        the workflow task that woke for it, which spares the server and the worker an
        activity task and a second workflow task per step (``bench.storm_bench``).
        Closing a cycle (erasing its data, enrolling new hires) may run for minutes and
        heartbeats, so it stays a regular activity. Runs recorded before local timer
        steps replay as they ran.
        """
        if action.kind in ("close_cycle", "expire_data", "enrol_new_hires"):
            await workflow.execute_activity_method(
                method,
                argument,
                start_to_close_timeout=CLOSING_TIMEOUT,
                heartbeat_timeout=timedelta(minutes=2),
                retry_policy=RETRY,
            )
        elif workflow.patched(LOCAL_TIMER_STEPS):
            await workflow.execute_local_activity_method(
                method, argument, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY
            )
        else:
            await workflow.execute_activity_method(
                method, argument, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY
            )
