"""Action items agreed in a conversation: read, complete, reschedule, cancel."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi import APIRouter

from api import access
from api.auth import Caller
from api.command_runner import RunnerDep
from api.deps import App, CurrentUser, RosterDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.case_public import ActionItemPublic
from api.schemas.history_public import HistoryEntryPublic
from application.outcomes import Executed
from application.service import CareerFlow
from domain import step_catalog
from domain.action_item import ActionItem
from domain.commands import ItemCommand
from domain.roster import Roster

router = APIRouter(prefix="/action-items", tags=["action items"], responses=PROBLEM_RESPONSES)


def _readable(application: CareerFlow, caller: Caller, roster: Roster, item_id: UUID) -> ActionItem:
    item = application.get_action_item(item_id)
    if item.owner_id != caller.employee_id:
        access.require_case_reader(caller, roster, application.get_case(item.case_id))
    return item


@router.get("/{item_id}", summary="One action item")
def get_action_item(
    item_id: UUID, caller: CurrentUser, application: App, roster: RosterDep
) -> ActionItemPublic:
    return ActionItemPublic.of(_readable(application, caller, roster, item_id))


@router.get("/{item_id}/history", summary="Everything that happened to an action item")
def action_item_history(
    item_id: UUID, caller: CurrentUser, application: App, roster: RosterDep
) -> list[HistoryEntryPublic]:
    _readable(application, caller, roster, item_id)
    return [HistoryEntryPublic.of(e) for e in application.action_item_history(item_id)]


def step_routes() -> APIRouter:
    """``POST /action-items/{item_id}/<path>`` for every action-item step (from its record)."""
    steps = APIRouter(prefix="/action-items", tags=["action items"], responses=PROBLEM_RESPONSES)
    for path, command in step_catalog.routed(step_catalog.item_steps()):
        take = _taking(command)
        steps.post(f"/{{item_id}}/{path}", summary=command.step.summary, name=take.__name__)(take)
    return steps


def _taking(command: type[ItemCommand]) -> Callable[..., ActionItemPublic]:
    """The route function of one action-item step (its body is the command)."""

    def take(item_id: UUID, body: ItemCommand, runner: RunnerDep) -> ActionItemPublic:
        return _item(runner.execute(item_id, body))

    take.__annotations__ = {**take.__annotations__, "body": command}
    take.__name__ = take.__qualname__ = command.__name__
    return take


def _item(done: Executed) -> ActionItemPublic:
    assert done.item is not None
    return ActionItemPublic.of(done.item)
