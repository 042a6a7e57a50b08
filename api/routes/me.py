"""The caller's own corner: who they are, their case, their team, their inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller, Role
from api.deps import App, CurrentUser, Now, ReadsDep, RosterDep, ServicesDep
from api.problems import PROBLEM_RESPONSES
from api.schemas.case_public import CasePublic
from api.schemas.roster_public import PersonPublic
from application.service import CareerFlow
from domain import deadlines, errors, step_catalog
from domain.case import Phase, case_id_for
from domain.cycle import Cycle
from domain.step_records import Task, task_wording
from notifications.inbox import has_message, mark_read, messages_for, unread_count
from projections.tasks import tasks_of

router = APIRouter(prefix="/me", tags=["me"], responses=PROBLEM_RESPONSES)


class MePublic(BaseModel):
    employee_id: str
    roles: list[Role]
    person: PersonPublic | None
    manager_id: str | None
    direct_reports: list[str]
    hr_partner_of: list[str]


@router.get("", summary="Who you are, as the token and the roster say")
def me(caller: CurrentUser, roster: RosterDep) -> MePublic:
    person = roster.get(caller.employee_id)
    return MePublic(
        employee_id=caller.employee_id,
        roles=sorted(caller.roles),
        person=None if person is None else PersonPublic.model_validate(person.model_dump()),
        manager_id=roster.manager_of(caller.employee_id),
        direct_reports=list(roster.direct_reports(caller.employee_id)),
        hr_partner_of=sorted(roster.departments_partnered_by(caller.employee_id)),
    )


def _cycle(application: CareerFlow, cycle_id: UUID | None, employee_id: str) -> Cycle:
    """The cycle asked for, else the newest open cycle the employee is enrolled in."""
    if cycle_id is not None:
        return application.get_cycle(cycle_id)
    for cycle in reversed(application.list_cycles()):
        if cycle.is_open and employee_id in cycle.enrolled_set:
            return cycle
    raise errors.NotFound("open cycle for", employee_id)


CycleQuery = Annotated[UUID | None, Query(description="default: the newest open cycle")]


@router.get("/case", summary="Your case (in the newest open cycle, or the one named)")
def my_case(caller: CurrentUser, application: App, cycle_id: CycleQuery = None) -> CasePublic:
    cycle = _cycle(application, cycle_id, caller.employee_id)
    case = application.case_for(cycle.id, caller.employee_id)
    return CasePublic.of(case, application.get_framework_book())


class TeamMember(BaseModel):
    employee_id: str
    name: str
    case_id: UUID | None
    phase: Phase | None


@router.get("/team", summary="Your direct reports and where their cases stand")
def my_team(
    caller: CurrentUser, application: App, roster: RosterDep, cycle_id: CycleQuery = None
) -> list[TeamMember]:
    reports = roster.direct_reports(caller.employee_id)
    cycle: Cycle | None = None
    if cycle_id is not None:
        cycle = application.get_cycle(cycle_id)
    else:
        open_cycles = [c for c in application.list_cycles() if c.is_open]
        cycle = open_cycles[-1] if open_cycles else None
    members = []
    for employee_id in reports:
        case = None
        if cycle is not None and employee_id in cycle.enrolled_set:
            case = application.get_case(case_id_for(cycle.id, employee_id))
        members.append(
            TeamMember(
                employee_id=employee_id,
                name=roster.people[employee_id].name,
                case_id=None if case is None else case.id,
                phase=None if case is None else case.phase,
            )
        )
    return members


class TaskPublic(BaseModel):
    task: Task | str
    what: str = Field(description="the task in words")
    role: str = Field(description="why it is yours: employee, manager, peer, owner, rung N")
    case_id: UUID
    action_item_id: UUID | None
    title: str | None = Field(description="the action item's title")
    employee_id: str = Field(description="whose case it is")
    employee_name: str | None
    cycle_id: UUID
    due_at: datetime | None
    late_by_seconds: int = Field(description="0 unless the due time has passed")
    deadline: str | None
    rung: int | None
    link: str
    on_behalf_of: str | None = Field(
        None, description="the absent person whose task it is (you are their delegate)"
    )


class TasksPage(BaseModel):
    total: int
    tasks: list[TaskPublic]


def _what(row: dict[str, Any]) -> str:
    task = row["task"]
    if task == Task.ESCALATION:
        step = deadlines.deadline_of(row["deadline"] or "")
        title = row["title"]
        work = f'the action item "{title}"' if title else (step.what if step else "work")
        whose = row["employee_name"] or row["employee_id"]
        return f"{work} for {whose} is late (escalated to you)"
    if task == Task.FINISH_ACTION_ITEM:
        return f'finish the action item "{row["title"]}"'
    if task == Task.HOLD_CHECK_IN:
        return f"hold check-in {row['number']}"
    return task_wording(str(task), step_catalog.task_rules())


def _task(row: dict[str, Any], now: datetime, caller: Caller) -> TaskPublic:
    due, item = row["due_at"], row["item_id"]
    owner = row["person_id"]
    return TaskPublic(
        on_behalf_of=None if owner == caller.employee_id else owner,
        task=row["task"],
        what=_what(row),
        role=row["role"],
        case_id=row["case_id"],
        action_item_id=item,
        title=row["title"],
        employee_id=row["employee_id"],
        employee_name=row["employee_name"],
        cycle_id=row["cycle_id"],
        due_at=due,
        late_by_seconds=max(int((now - due).total_seconds()), 0) if due else 0,
        deadline=row["deadline"],
        rung=row["rung"],
        link=f"/api/v1/action-items/{item}" if item else f"/api/v1/cases/{row['case_id']}",
    )


@router.get("/tasks", summary="Everything you must do now, in every role, soonest due first")
def my_tasks(
    caller: CurrentUser,
    services: ServicesDep,
    now: Now,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TasksPage:
    """From the tasks read model (it may trail the latest step by the projector's lag)."""
    with services.read_engine.connect() as conn:
        total, rows = tasks_of(conn, caller.employee_id, limit, offset, covering=caller.covers)
    return TasksPage(total=total, tasks=[_task(row, now, caller) for row in rows])


class InboxMessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


@router.get("/inbox", summary="Your notifications, newest first (paged: limit and offset)")
def my_inbox(
    caller: CurrentUser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    unread_only: bool = False,
) -> list[InboxMessagePublic]:
    messages = messages_for(
        services.read_engine,
        caller.employee_id,
        limit,
        offset=offset,
        unread_only=unread_only,
    )
    return [InboxMessagePublic.model_validate(m) for m in messages]


class InboxCount(BaseModel):
    unread: int


@router.get("/inbox/unread", summary="How many of your notifications are unread")
def my_unread(caller: CurrentUser, services: ServicesDep) -> InboxCount:
    return InboxCount(unread=unread_count(services.read_engine, caller.employee_id))


class Marked(BaseModel):
    marked: int = Field(description="messages that were unread and are now read")


@router.post("/inbox/read-all", summary="Mark all your notifications read")
def mark_all_read(caller: CurrentUser, services: ServicesDep, now: Now) -> Marked:
    return Marked(marked=mark_read(services.read_engine, caller.employee_id, now))


@router.post("/inbox/{message_id}/read", summary="Mark one of your notifications read")
def mark_one_read(message_id: UUID, caller: CurrentUser, services: ServicesDep, now: Now) -> Marked:
    """Someone else's message (or none) is 404, as if it did not exist."""
    engine = services.read_engine
    if not has_message(engine, caller.employee_id, message_id):
        raise errors.NotFound("message", message_id)
    marked = mark_read(engine, caller.employee_id, now, message_id)
    return Marked(marked=marked)


class ReadPublic(BaseModel):
    """One time somebody opened your confidential content."""

    id: int = Field(description="pass as `before` for the next (older) page")
    reader_id: str
    reader_name: str | None
    reader_as: str = Field(description="HR admin, auditor, HR partner, skip-level manager")
    what: str
    case_id: UUID
    reason: str | None
    read_at: datetime


class Reads(BaseModel):
    reads: list[ReadPublic]
    next_before: int | None = Field(description="the `before` of the next page; null: no more")


@router.get(
    "/reads",
    summary="Who read your data: every time someone other than you or your manager opened "
    "your case, newest first",
)
def my_reads(
    caller: CurrentUser,
    reads: ReadsDep,
    roster: RosterDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Reads:
    found = reads.of_person(caller.employee_id, limit, before)
    listed = []
    for read in found:
        reader = roster.get(read.reader_id)
        listed.append(
            ReadPublic(**vars(read), reader_name=reader.name if reader is not None else None)
        )
    next_before = found[-1].id if len(found) == limit else None
    return Reads(reads=listed, next_before=next_before)
