"""A new step, declared through the documented places only, reaches everything.

``declare_reading_list_step`` stands in for the four edits the README's "How to add a
step" names — the event (``domain/case_events.py``), the step method (``domain/case.py``),
the command with its record (``domain/commands.py``) and its message
(``notifications/composers.py``) — and nothing else. The step then has its route on
the API, its form on the case page, its task on ``/me/tasks``, its message in the
inbox and its event in the history. The declarations are undone after the test.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pydantic import Field

from api.pages.forms import step_forms
from domain import errors
from domain.base import By, CareerAggregate, Decision, command
from domain.case import DevelopmentCase
from domain.case_events import CaseEvent
from domain.case_state import CaseState
from domain.commands import STEP_COMMANDS, CaseCommand
from domain.phases import Phase
from domain.step_records import Form, FormField, Stage, StepRecord, TaskRule, Who
from domain.values import Text
from notifications.channels import Notification
from notifications.composers import COMPOSERS, About, composes
from tests.api.conftest import EMPLOYEE, MANAGER, Api
from tests.api.test_inbox import notify
from tests.api.test_pages import browser, step

TASK = "share_reading_list"


def declare_reading_list_step() -> tuple[type, type]:
    # 1. domain/case_events.py: the event.
    class ReadingListShared(CaseEvent):
        titles: list[str]

        def apply(self, case: CaseState) -> None:
            pass  # the case counts it (``has_recorded``); it keeps no other state

    # 2. domain/case.py: the step method (its rules), naming its event once.
    @command(ReadingListShared)
    def share_reading_list(self: DevelopmentCase, *, titles: list[str], by: By) -> Decision:
        self._live()
        self._as_employee(by.actor, "share a reading list")
        self._held("share a reading list")
        if self.has_recorded(ReadingListShared):
            raise errors.InvalidCommand("titles", "the reading list was already shared")
        return {"titles": titles}

    DevelopmentCase.share_reading_list = share_reading_list  # type: ignore[attr-defined]

    # 3. domain/commands.py: the command and its step record.
    class ShareReadingList(CaseCommand):
        step = StepRecord(
            action="share a reading list",
            who=Who.EMPLOYEE,
            stage=Stage.CONVERSATION,
            path="reading-list",
            summary="Share a reading list for the plan",
            form=Form(
                "Share a reading list",
                "Share the list",
                (FormField("titles.0", "A book or an article"),),
            ),
            tells=(ReadingListShared,),
            opens=TaskRule(
                TASK,
                "share a reading list with your manager",
                Who.EMPLOYEE,
                frozenset({Phase.MEETING_HELD, Phase.PLAN_DRAFTED}),
                ReadingListShared,
            ),
        )
        titles: list[Text] = Field(min_length=1, max_length=20)

        def apply(self, case: DevelopmentCase, by: By) -> Sequence[CareerAggregate]:
            case.share_reading_list(titles=list(self.titles), by=by)  # type: ignore[attr-defined]
            return ()

    # 4. notifications/composers.py: the message.
    @composes(ReadingListShared)
    def reading_list_shared(about: About) -> list[Notification]:
        titles = ", ".join(about.event.titles)
        lines = [f"{about.employee.name} shared a reading list: {titles}"]
        return [about.note(about.case.manager_id, "Reading list shared", lines)]

    return ReadingListShared, ShareReadingList


@pytest.fixture
def toy_step() -> Iterator[tuple[type, type]]:
    event, step_command = declare_reading_list_step()
    yield event, step_command
    STEP_COMMANDS.remove(step_command)
    COMPOSERS.pop(event)
    delattr(DevelopmentCase, "share_reading_list")
    delattr(DevelopmentCase, event.__name__)


@pytest.fixture
def toy_api(toy_step: tuple[type, type], api: Api) -> Api:
    """The API built after the step was declared (as a deployment is)."""
    return api


def tasks_of(api: Api, who: str) -> list[dict[str, Any]]:
    api.project()
    listed: list[dict[str, Any]] = api.ok(api.get("/me/tasks", who))["tasks"]
    return listed


def test_a_step_declared_in_the_documented_places_reaches_everything(toy_api: Api) -> None:
    api = toy_api
    docs = api.ok(api.client.get("/openapi.json"))
    route = docs["paths"]["/api/v1/cases/{case_id}/reading-list"]["post"]
    assert route["summary"] == "4. Share a reading list for the plan"

    case = api.hold_meeting()
    mine = [t for t in tasks_of(api, EMPLOYEE) if t["task"] == TASK]
    assert [t["what"] for t in mine] == ["share a reading list with your manager"]
    assert all(t["task"] != TASK for t in tasks_of(api, MANAGER))

    ada = browser(api, EMPLOYEE)
    page = ada.get(case)
    assert "Share a reading list" in page.text
    assert 'name="titles.0"' in page.text
    assert "reading-list" in step_forms()
    taken = step(ada, api.case_id(), "reading-list", **{"titles.0": "Thinking in Systems"})
    assert taken.status_code == 303, taken.text

    again = api.post(f"{case}/reading-list", EMPLOYEE, {"titles": ["Again"]})
    assert again.status_code == 422
    assert "already shared" in again.text
    assert api.post(f"{case}/reading-list", MANAGER, {"titles": ["Mine"]}).status_code == 403

    assert all(t["task"] != TASK for t in tasks_of(api, EMPLOYEE))
    notify(api)
    inbox = api.ok(api.get("/me/inbox", MANAGER))
    told = [m for m in inbox if m["subject"] == "Reading list shared"]
    assert len(told) == 1
    assert "Thinking in Systems" in told[0]["body"]

    history = api.ok(api.get(f"{case}/history", MANAGER))["entries"]
    shared = [e for e in history if e["event"] == "ReadingListShared"]
    assert [(e["actor"], e["payload"]["titles"]) for e in shared] == [
        (EMPLOYEE, ["Thinking in Systems"])
    ]
