"""Tasks: one row per thing a person must do now, so "what must I do?" is one indexed query.

``task_cases`` keeps each open case's ``CaseProgress`` (``domain.open_tasks``) and its
next deadline; every case event updates the progress and replaces the case's
task rows. Action items add a row for their owner while open; an escalation adds
a row for the person it was addressed to, kept while the deadline it is about is
still open (the step done, the item finished or moved, the row goes).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert

from application.batch_writing import batches
from domain import case_events as ev
from domain import subscriptions
from domain.action_item import ActionItem
from domain.case import DevelopmentCase
from domain.open_tasks import CaseProgress, OpenTask, progress_events
from domain.personal import ERASED
from domain.step_records import Task
from eventlog.follower import Delivery
from projections.roster_people import roster_people
from projections.runner import ReadModel

C = DevelopmentCase
ROWS_PER_INSERT = 2000
"""Well under PostgreSQL's 65,535 parameters a statement (13 columns a row)."""


def define_tables(metadata: sa.MetaData, suffix: str) -> dict[str, sa.Table]:
    task_cases = sa.Table(
        "task_cases" + suffix,
        metadata,
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("cycle_id", sa.Uuid, nullable=False),
        sa.Column("employee_id", sa.Text, nullable=False, index=True),
        sa.Column("manager_id", sa.Text, nullable=False),
        sa.Column("phase", sa.Text, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("progress", JSONB, nullable=False),
        sa.Column("next_step", sa.Text),
        sa.Column("next_due_at", sa.DateTime(timezone=True)),
        sa.Index(f"task_cases{suffix}_next", "cycle_id", "next_due_at", "case_id"),
        sa.Index(f"task_cases{suffix}_phase", "cycle_id", "phase"),
        sa.Index(f"task_cases{suffix}_manager", "cycle_id", "manager_id"),
    )
    tasks = sa.Table(
        "tasks" + suffix,
        metadata,
        sa.Column("task_id", sa.Text, primary_key=True),
        sa.Column("person_id", sa.Text, nullable=False, index=True),
        sa.Column("task", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("item_id", sa.Uuid, index=True),
        sa.Column("employee_id", sa.Text, nullable=False),
        sa.Column("cycle_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("deadline", sa.Text),
        sa.Column("number", sa.Integer),
        sa.Column("rung", sa.Integer),
        sa.Column("due_at", sa.DateTime(timezone=True)),
    )
    return {"task_cases": task_cases, "tasks": tasks}


def _case_rows(case_id: UUID, cycle_id: UUID, progress: CaseProgress) -> list[dict[str, Any]]:
    return [
        _row(f"{case_id}:{t.task}:{t.person_id}:{t.number or ''}", t, case_id, cycle_id, progress)
        for t in progress.open_tasks()
    ]


def _row(
    task_id: str, t: OpenTask, case_id: UUID, cycle_id: UUID, progress: CaseProgress
) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "person_id": t.person_id,
        "task": str(t.task),
        "role": t.role,
        "case_id": case_id,
        "item_id": None,
        "employee_id": progress.employee_id,
        "cycle_id": cycle_id,
        "title": None,
        "deadline": t.deadline,
        "number": t.number,
        "rung": None,
        "due_at": t.due_at,
    }


def _summary(progress: CaseProgress) -> dict[str, Any]:
    """What HR's case list shows, sorts and filters by: people, phase, the earliest due step."""
    due = sorted(
        (t for t in progress.open_tasks() if t.due_at is not None), key=lambda t: t.due_at or 0
    )
    first = due[0] if due else None
    return {
        "manager_id": progress.manager_id,
        "phase": progress.phase.value,
        "progress": progress.model_dump(mode="json"),
        "next_step": str(first.task) if first else None,
        "next_due_at": first.due_at if first else None,
    }


class Tasks(ReadModel):
    name = "tasks"
    events = subscriptions.ALL_EVENTS - subscriptions.ROSTER_EVENTS  # all but the roster

    ITEM_EVENTS: frozenset[type] = frozenset(
        {
            ActionItem.ActionItemAgreed,
            ActionItem.ActionItemRescheduled,
            ActionItem.ActionItemCompleted,
            ActionItem.ActionItemCancelled,
            ActionItem.Escalated,
        }
    )
    """The action-item events ``_item`` handles."""

    @classmethod
    def handled(cls) -> frozenset[type]:
        """What changes somebody's tasks: a case's progress (``progress_events``), the
        escalations addressed to people, and the action items' own events."""
        return progress_events() | {C.Escalated, ev.PersonalDataErased} | cls.ITEM_EVENTS

    def __init__(self, version: int = 1) -> None:
        super().__init__(version)
        self.handles = self.handled()
        self.cases = self.tables["task_cases"]
        self.tasks = self.tables["tasks"]

    @classmethod
    def define(cls, metadata: sa.MetaData, suffix: str) -> dict[str, sa.Table]:
        return define_tables(metadata, suffix)

    def apply_opened(self, conn: sa.Connection, deliveries: list[Delivery]) -> None:
        self._open(conn, [d.event for d in deliveries])

    def _open(self, conn: sa.Connection, events: list[Any]) -> None:
        cases, tasks = [], []
        for event in events:
            progress = CaseProgress.opened(event)
            cases.append(
                {
                    "case_id": event.originator_id,
                    "cycle_id": event.cycle_id,
                    "employee_id": progress.employee_id,
                    "opened_at": progress.opened_at,
                    **_summary(progress),
                }
            )
            tasks += _case_rows(event.originator_id, event.cycle_id, progress)
        for chunk in batches(cases, ROWS_PER_INSERT):
            conn.execute(insert(self.cases).on_conflict_do_nothing(), list(chunk))
        for chunk in batches(tasks, ROWS_PER_INSERT):
            conn.execute(insert(self.tasks).on_conflict_do_nothing(), list(chunk))

    def apply(self, conn: sa.Connection, event: Any, position: int) -> None:
        if type(event) not in self.handles:
            return
        if isinstance(event, ev.CaseOpened):
            self._open(conn, [event])
        elif isinstance(event, ev.PersonalDataErased):
            self.erase(conn, event.originator_id)
        elif isinstance(event, ActionItem.Event):
            self._item(conn, event)
        elif isinstance(event, C.Escalated):
            self._case_escalated(conn, event)
        else:
            self._case(conn, event)

    def erase(self, conn: sa.Connection, aggregate_id: Any) -> None:
        of_case = sa.and_(self.tasks.c.case_id == aggregate_id, self.tasks.c.title.isnot(None))
        conn.execute(sa.update(self.tasks).where(of_case).values(title=ERASED))

    def _case(self, conn: sa.Connection, event: Any) -> None:
        """Apply the event to the case's progress and replace its task rows."""
        case_id = event.originator_id
        row = conn.execute(
            sa.select(self.cases.c.progress, self.cases.c.cycle_id).where(
                self.cases.c.case_id == case_id
            )
        ).first()
        if row is None:
            return
        progress = CaseProgress.model_validate(row.progress)
        progress.apply(event)
        conn.execute(
            sa.update(self.cases)
            .where(self.cases.c.case_id == case_id)
            .values(**_summary(progress))
        )
        tasks = self.tasks
        of_case = sa.and_(tasks.c.case_id == case_id, tasks.c.item_id.is_(None))
        conn.execute(sa.delete(tasks).where(of_case, tasks.c.task != Task.ESCALATION.value))
        settled = sa.and_(
            of_case,
            tasks.c.task == Task.ESCALATION.value,
            tasks.c.deadline.not_in(sorted(progress.open_deadline_keys()) or [""]),
        )
        conn.execute(sa.delete(tasks).where(settled))
        rows = _case_rows(case_id, row.cycle_id, progress)
        if rows:
            conn.execute(insert(tasks).on_conflict_do_nothing(), rows)

    def _escalated(self, conn: sa.Connection, event: Any, about: dict[str, Any]) -> None:
        """An escalation is a task for its recipient while the deadline it is about is open."""
        conn.execute(
            insert(self.tasks).on_conflict_do_nothing(),
            [
                {
                    **about,
                    "task_id": f"{event.originator_id}:escalation:{event.deadline}:{event.rung}",
                    "person_id": event.recipient_id,
                    "task": Task.ESCALATION.value,
                    "role": f"rung {event.rung}",
                    "deadline": event.deadline,
                    "number": None,
                    "rung": event.rung,
                    "due_at": event.due_at,
                }
            ],
        )

    def _case_escalated(self, conn: sa.Connection, event: Any) -> None:
        row = conn.execute(
            sa.select(self.cases.c.progress, self.cases.c.cycle_id).where(
                self.cases.c.case_id == event.originator_id
            )
        ).first()
        if row is None:
            return
        progress = CaseProgress.model_validate(row.progress)
        if event.deadline not in progress.open_deadline_keys():
            return  # done before the escalation was read
        about = {
            "case_id": event.originator_id,
            "item_id": None,
            "employee_id": progress.employee_id,
            "cycle_id": row.cycle_id,
            "title": None,
        }
        self._escalated(conn, event, about)

    def _item_escalated(self, conn: sa.Connection, event: Any) -> None:
        c = self.tasks.c
        owned = conn.execute(
            sa.select(c.case_id, c.item_id, c.employee_id, c.cycle_id, c.title).where(
                c.item_id == event.originator_id, c.task == Task.FINISH_ACTION_ITEM.value
            )
        ).first()
        if owned is not None:  # else finished before the escalation was read
            self._escalated(conn, event, dict(owned._mapping))

    def _item(self, conn: sa.Connection, event: Any) -> None:
        tasks, item_id = self.tasks, event.originator_id
        if isinstance(event, ActionItem.ActionItemAgreed):
            conn.execute(
                insert(tasks).on_conflict_do_nothing(),
                [
                    {
                        "task_id": f"{item_id}:{Task.FINISH_ACTION_ITEM.value}",
                        "person_id": event.spec.owner_id,
                        "task": Task.FINISH_ACTION_ITEM.value,
                        "role": "owner",
                        "case_id": event.case_id,
                        "item_id": item_id,
                        "employee_id": event.employee_id,
                        "cycle_id": event.cycle_id,
                        "title": event.spec.title,
                        "deadline": None,
                        "number": None,
                        "rung": None,
                        "due_at": event.spec.due_at,
                    }
                ],
            )
        elif isinstance(event, ActionItem.ActionItemRescheduled):
            of_item = tasks.c.item_id == item_id
            conn.execute(sa.delete(tasks).where(of_item, tasks.c.task == Task.ESCALATION.value))
            conn.execute(sa.update(tasks).where(of_item).values(due_at=event.new_due_at))
        elif isinstance(event, ActionItem.ActionItemCompleted | ActionItem.ActionItemCancelled):
            conn.execute(sa.delete(tasks).where(tasks.c.item_id == item_id))
        elif isinstance(event, ActionItem.Escalated):
            self._item_escalated(conn, event)


views = Tasks.views()
task_cases = views["task_cases"]
tasks = views["tasks"]
"""The views readers query (they show the live version)."""


def tasks_of(
    conn: sa.Connection,
    person_id: str,
    limit: int,
    offset: int,
    case_id: UUID | None = None,
    covering: Collection[str] = (),
) -> tuple[int, list[Any]]:
    """(how many, one page) of a person's open tasks (on one case, if given), with those
    of the absent people they are the delegate of (``covering``): soonest due first,
    undated last.

    Each row carries the concerned employee's name (from the roster read model, looked
    up by id for the page's few employees rather than joined).
    """
    if covering:
        owners = sorted({person_id, *covering})
        mine = tasks.c.person_id == sa.any_(sa.bindparam("owners", owners, type_=ARRAY(sa.Text)))
    else:
        mine = tasks.c.person_id == person_id
    if case_id is not None:
        mine = sa.and_(mine, tasks.c.case_id == case_id)
    total = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(mine)).scalar_one()
    query = (
        sa.select(tasks)
        .where(mine)
        .order_by(tasks.c.due_at.asc().nulls_last(), tasks.c.task_id)
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(row._mapping) for row in conn.execute(query)]
    names = names_of(conn, {row["employee_id"] for row in rows})
    return int(total), [{**row, "employee_name": names.get(row["employee_id"])} for row in rows]


def names_of(conn: sa.Connection, employee_ids: set[str]) -> dict[str, str]:
    if not employee_ids:
        return {}
    people = roster_people.c
    query = sa.select(people.employee_id, people.name).where(
        people.employee_id
        == sa.any_(sa.bindparam("ids", sorted(employee_ids), type_=ARRAY(sa.Text)))
    )
    return {row.employee_id: row.name for row in conn.execute(query)}
