"""Action items agreed in a conversation: read, complete, reschedule, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from api import access
from api.auth import Caller
from api.deps import App, CurrentUser, IdempotencyKey, Now, RosterDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.cases import ActionItemPublic
from api.schemas.history import HistoryEntryPublic
from domain.action_item import ActionItem
from domain.application import CareerFlow
from domain.case import DevelopmentCase
from domain.commands import CancelActionItem, CompleteActionItem, ItemCommand, RescheduleActionItem
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


@dataclass
class ItemStep:
    """One caller changing one action item (its owner, or someone who may act on its case)."""

    item_id: UUID
    caller: Caller
    app: CareerFlow
    roster: Roster
    now: datetime
    key: str | None

    def run(self, command: ItemCommand) -> ActionItemPublic:
        def authorize(case: DevelopmentCase, item: ActionItem | None) -> None:
            if item is None or item.owner_id != self.caller.employee_id:
                access.require_case_writer(self.caller, self.roster, case, command.action)

        done = self.app.execute(
            self.item_id,
            command,
            actor=self.caller.employee_id,
            at=self.now,
            idempotency_key=self.key,
            authorize=authorize,
        )
        assert done.item is not None
        return ActionItemPublic.of(done.item)


def _item_step(
    item_id: UUID,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> ItemStep:
    return ItemStep(item_id, caller, application, roster, now, idempotency_key)


ItemStepDep = Annotated[ItemStep, Depends(_item_step)]


@router.post("/{item_id}/complete", summary="Mark the action item done")
def complete_action_item(body: CompleteActionItem, step: ItemStepDep) -> ActionItemPublic:
    return step.run(body)


@router.post("/{item_id}/reschedule", summary="Move the due date, with a reason")
def reschedule_action_item(body: RescheduleActionItem, step: ItemStepDep) -> ActionItemPublic:
    return step.run(body)


@router.post("/{item_id}/cancel", summary="Cancel the action item, with a reason")
def cancel_action_item(body: CancelActionItem, step: ItemStepDep) -> ActionItemPublic:
    return step.run(body)
