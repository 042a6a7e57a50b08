"""Cases: every step of the process (DESIGN.md §1) as a POST, the state, and the audit trail."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from api import access
from api.case_reading import AsOf, OpeningDep, read_history
from api.command_runner import RunnerDep
from api.deps import App, CurrentUser, FrameworkCacheDep, RosterDep, framework_for
from api.problems import PROBLEM_RESPONSES
from api.schemas.case_public import ActionItemPublic, CasePublic
from api.schemas.history_public import CaseHistory
from api.schemas.note_public import CaseNotes, NotePublic, note_view, notes_for
from domain import step_catalog
from domain.action_item import ActionItem
from domain.case import DevelopmentCase
from domain.commands import AddActionItem, CaseCommand, GivePeerFeedback
from domain.framework import FrameworkBook
from domain.note_commands import AddNote
from domain.plan_commands import CloseCase

router = APIRouter(prefix="/cases", tags=["cases"], responses=PROBLEM_RESPONSES)


SEALED = (
    " Opened by anyone but the employee or their manager, the read is recorded and the "
    "employee sees it (`GET /me/reads`)."
)


@router.get("/find", summary="The case of an employee in a cycle", description=SEALED.strip())
def find_case(
    cycle_id: UUID,
    employee_id: str,
    application: App,
    opening: OpeningDep,
    books: FrameworkCacheDep,
) -> CasePublic:
    case = opening.open(application.case_for(cycle_id, employee_id))
    return CasePublic.of(case, framework_for(books, case))


@router.get("/{case_id}", summary="A case's current state", description=SEALED.strip())
def get_case(
    case_id: UUID, application: App, opening: OpeningDep, books: FrameworkCacheDep
) -> CasePublic:
    case = opening.open(application.get_case(case_id))
    return CasePublic.of(case, framework_for(books, case))


@router.get(
    "/{case_id}/history",
    summary="The audit trail; with as_of, the state at that point",
    description=SEALED.strip(),
)
def case_history(
    case_id: UUID, application: App, opening: OpeningDep, as_of: AsOf = None
) -> CaseHistory:
    return read_history(application, opening, case_id, as_of)


# --- the steps ---------------------------------------------------------------------


def step_routes() -> APIRouter:
    """``POST /cases/{case_id}/<path>`` for every step whose record routes it; the body is
    the command, the answer the case. Built when the app is, from the steps' records."""
    steps = APIRouter(prefix="/cases", tags=["cases"], responses=PROBLEM_RESPONSES)
    for path, command in step_catalog.routed(step_catalog.case_steps()):
        _step_route(steps, path, command, command.step.title)
    return steps


def _step_route(steps: APIRouter, path: str, command: type[CaseCommand], summary: str) -> None:
    """One route per step; a command without fields takes no body."""
    if command.model_fields:

        def take(case_id: UUID, body: CaseCommand, runner: RunnerDep) -> Response:
            case = runner.execute(case_id, body).case
            return case_response(case, runner.book_for(case))

        take.__annotations__ = {**take.__annotations__, "body": command}
    else:

        def take(case_id: UUID, runner: RunnerDep) -> Response:  # type: ignore[misc]
            case = runner.execute(case_id, command()).case
            return case_response(case, runner.book_for(case))

    take.__name__ = take.__qualname__ = command.__name__
    steps.post(
        f"/{{case_id}}/{path}", summary=summary, name=command.__name__, response_model=CasePublic
    )(take)


def case_response(case: DevelopmentCase, book: FrameworkBook | None = None) -> Response:
    """The case after a step, serialised once (FastAPI would validate the model again first)."""
    shown = CasePublic.of(case, book).model_dump_json()
    return Response(shown, media_type="application/json")


class PeerFeedbackReceipt(BaseModel):
    """What a coworker gets back for their feedback: a receipt, nothing of the case."""

    case_id: UUID
    peer_id: str
    anonymous: bool
    received: bool = Field(description="the feedback is recorded (also on a repeat)")


@router.post("/{case_id}/peer-feedback", summary=GivePeerFeedback.step.title)
def give_peer_feedback(
    case_id: UUID, body: GivePeerFeedback, runner: RunnerDep
) -> PeerFeedbackReceipt:
    case = runner.execute(case_id, body).case
    received = case.peer_feedback.get(runner.actor) is not None
    return PeerFeedbackReceipt(
        case_id=case_id, peer_id=runner.actor, anonymous=body.anonymous, received=received
    )


@router.post(
    "/{case_id}/action-items",
    status_code=status.HTTP_201_CREATED,
    summary=AddActionItem.step.title,
)
def add_action_item(case_id: UUID, body: AddActionItem, runner: RunnerDep) -> ActionItemPublic:
    case = runner.execute(case_id, body).case
    item_id = AddActionItem.item_id(case, runner.key) if runner.key else case.action_item_ids[-1]
    return ActionItemPublic.of(runner.app.get_action_item(item_id))


@router.post("/{case_id}/close", summary=CloseCase.step.title)
def close_case(case_id: UUID, body: CloseCase, runner: RunnerDep) -> CasePublic:
    def hr_admin(case: DevelopmentCase, item: ActionItem | None) -> None:
        access.require_case_reader(runner.caller, runner.roster, case)
        access.require_hr_admin(runner.caller, "close a case")

    closed = runner.execute(case_id, body, authorize=hr_admin).case
    return CasePublic.of(closed, runner.book_for(closed))


@router.post("/{case_id}/notes", status_code=status.HTTP_201_CREATED, summary=AddNote.step.title)
def add_note(case_id: UUID, body: AddNote, runner: RunnerDep) -> NotePublic:
    case = runner.execute(case_id, body).case
    note_id = AddNote.note_id(case, runner.key) if runner.key else case.notes[-1].note_id
    note = next(n for n in case.notes if n.note_id == note_id)
    seen = note_view(runner.caller, case, note)
    assert seen is not None  # its author reads it
    return seen


@router.get("/{case_id}/notes", summary="The notes on a case the caller may see")
def case_notes(
    case_id: UUID, caller: CurrentUser, application: App, roster: RosterDep
) -> CaseNotes:
    """Private notes to their author, shared ones to the employee and manager; HR admins
    and auditors see that a note exists and when, never its text; others see none."""
    case = application.get_case(case_id)
    access.require_case_reader(caller, roster, case)
    return CaseNotes(case_id=case_id, notes=notes_for(caller, case))
