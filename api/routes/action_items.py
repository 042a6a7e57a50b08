"""Action items agreed in a conversation: read, complete, reschedule, cancel."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api import access
from api.auth import Caller
from api.deps import App, CurrentUser, IdempotencyKey, Now, RosterDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.cases import ActionItemDone, ActionItemPublic, ActionItemReschedule, Reason
from api.schemas.history import HistoryEntryPublic
from domain.action_item import ActionItem
from domain.application import CareerFlow
from domain.roster import Roster

router = APIRouter(prefix="/action-items", tags=["action items"], responses=PROBLEM_RESPONSES)


def _readable(application: CareerFlow, caller: Caller, roster: Roster, item_id: UUID) -> ActionItem:
    item = application.get_action_item(item_id)
    if item.owner_id != caller.employee_id:
        access.require_case_reader(caller, roster, application.get_case(item.case_id))
    return item


def _writable(application: CareerFlow, caller: Caller, roster: Roster, item_id: UUID) -> None:
    item = application.get_action_item(item_id)
    if item.owner_id != caller.employee_id:
        case = application.get_case(item.case_id)
        access.require_case_writer(caller, roster, case, "change an action item")


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


@router.post("/{item_id}/complete", summary="Mark the action item done")
def complete_action_item(
    item_id: UUID,
    body: ActionItemDone,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> ActionItemPublic:
    _writable(application, caller, roster, item_id)
    item = application.complete_action_item(
        item_id, note=body.note, actor=caller.employee_id, at=now, idempotency_key=idempotency_key
    )
    return ActionItemPublic.of(item)


@router.post("/{item_id}/reschedule", summary="Move the due date, with a reason")
def reschedule_action_item(
    item_id: UUID,
    body: ActionItemReschedule,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> ActionItemPublic:
    _writable(application, caller, roster, item_id)
    item = application.reschedule_action_item(
        item_id,
        new_due_at=body.new_due_at,
        reason=body.reason,
        actor=caller.employee_id,
        at=now,
        idempotency_key=idempotency_key,
    )
    return ActionItemPublic.of(item)


@router.post("/{item_id}/cancel", summary="Cancel the action item, with a reason")
def cancel_action_item(
    item_id: UUID,
    body: Reason,
    caller: CurrentUser,
    application: App,
    roster: RosterDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> ActionItemPublic:
    _writable(application, caller, roster, item_id)
    item = application.cancel_action_item(
        item_id,
        reason=body.reason,
        actor=caller.employee_id,
        at=now,
        idempotency_key=idempotency_key,
    )
    return ActionItemPublic.of(item)
