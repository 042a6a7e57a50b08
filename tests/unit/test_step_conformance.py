"""Every command declares a whole step, and every event is wired everywhere it must be.

The failure names what is missing, so a step added in a hurry says what it still needs:
``conformance()`` lists the problems, and the last test shows it catching a half-made step.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from api.routes import action_items, cases
from application.transcoding import _Format
from domain import step_catalog
from domain import subscriptions as s
from domain.commands import STEP_COMMANDS, CaseCommand, Command, ItemCommand
from domain.phases import STEP_BACK, TIMELINE, Phase
from domain.step_records import WHAT, Form, FormField, Stage, StepRecord, Task, Who
from notifications.composers import told_events


def subclasses(base: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in base.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


def hand_written_routes() -> set[tuple[str, str]]:
    """The routes written by hand (a step whose record says ``routed=False`` has one)."""
    paths = set()
    for router in (cases.router, action_items.router):
        for route in router.routes:
            for method in getattr(route, "methods", ()):
                paths.add((method, getattr(route, "path", "")))
    return paths


def record_problems(command: type[Command], routes: set[tuple[str, str]]) -> list[str]:
    name = command.__name__
    record = command.__dict__.get("step")
    if not isinstance(record, StepRecord):
        return [f"{name}: no step record (step = StepRecord(...) on the class)"]
    problems = []
    if (record.stage is None) != (record.who is Who.SERVICE):
        problems.append(f"{name}: a stage in the process unless the service takes it")
    if record.path is not None and record.stage is not None and not record.summary:
        problems.append(f"{name}: a summary for its route")
    if record.path is not None and not record.routed:
        prefix = (
            "/cases/{case_id}" if issubclass(command, CaseCommand) else "/action-items/{item_id}"
        )
        if ("POST", f"{prefix}/{record.path}") not in routes:
            problems.append(f"{name}: routed=False but no route POST {prefix}/{record.path}")
    if record.form is not None:
        for form_field in record.form.fields:
            top = form_field.name.split(".")[0]
            if top not in command.model_fields:
                problems.append(f"{name}: form field {form_field.name!r} is not in the command")
        if record.path is None:
            problems.append(f"{name}: a form needs a path to post to")
    own_tasks = {record.opens.task} if record.opens else set()
    for task in record.tasks:
        if task not in WHAT and task not in own_tasks:
            problems.append(f"{name}: task {task!r} has no wording")
    for event in record.tells:
        if event not in told_events():
            problems.append(f"{name}: tells of {event.__name__} but no composer writes it")
    if record.opens is not None and record.form is None:
        problems.append(f"{name}: opens task {record.opens.task!r} but offers no form for it")
    return problems


def event_problems(events: Iterable[type]) -> list[str]:
    consumed = frozenset().union(
        *(r.tells for r in step_catalog.records()), s.CASE_DEADLINE_EVENTS, s.AUDIT_ONLY
    )
    problems = []
    on_timeline = {p for p, _ in TIMELINE} | set(STEP_BACK)
    for event in events:
        name = event.__qualname__
        phase: Phase | None = getattr(event, "leads_to", None)
        if phase is not None and phase not in on_timeline:
            problems.append(f"{name}: leads to {phase}, which is not on the case timeline")
        if event in told_events() and event not in consumed:
            problems.append(f"{name}: has a composer but no step record tells of it")
        if _Format.of(event).state is None:
            problems.append(f"{name}: a field the typed store cannot write exactly")
    return problems


def conformance(commands: Iterable[type[Command]], events: Iterable[type]) -> list[str]:
    routes = hand_written_routes()
    commands = list(commands)
    problems = [p for c in commands for p in record_problems(c, routes)]
    seen: dict[tuple[bool, str], str] = {}
    for command in commands:
        record = command.__dict__.get("step")
        if isinstance(record, StepRecord) and record.path is not None:
            key = (issubclass(command, CaseCommand), record.path)
            if key in seen:
                problems.append(f"{command.__name__}: path {record.path!r} is {seen[key]}'s")
            seen.setdefault(key, command.__name__)
    problems += event_problems(events)
    answered = {t for r in step_catalog.records() for t in r.tasks}
    owed_to_others = {Task.ESCALATION}  # the late step's own form answers it
    problems += [
        f"task {t}: no step answers it" for t in Task if t not in answered | owed_to_others
    ]
    return problems


def test_every_command_and_event_is_whole() -> None:
    modules = {m.__name__ for m in step_catalog.MODULES}
    commands = [
        c
        for c in subclasses(Command)
        if c not in (CaseCommand, ItemCommand) and c.__module__ in modules
    ]
    assert set(commands) <= set(STEP_COMMANDS)
    assert conformance(commands, s.ALL_EVENTS) == []


def test_the_processs_tasks_all_have_words_and_every_phase_has_a_place() -> None:
    assert set(WHAT) == set(Task)
    assert {p for p, _ in TIMELINE} | set(STEP_BACK) == set(Phase)


def test_a_half_made_step_is_named_with_what_it_lacks() -> None:
    class Halfway(CaseCommand):
        step = StepRecord(
            action="do something",
            who=Who.EMPLOYEE,
            stage=Stage.CONVERSATION,
            path="halfway",
            summary="Something new",
            routed=False,
            tasks=("nobody_knows",),
            form=Form("Do it", "Do", (FormField("missing", "A field the command lacks"),)),
        )

    class NoRecord(CaseCommand):
        pass

    try:
        problems = conformance([Halfway, NoRecord], [])
    finally:
        STEP_COMMANDS.remove(Halfway)
        del Halfway, NoRecord
        gc.collect()  # gone from Command.__subclasses__() for the tests after this one
    assert problems == [
        "Halfway: routed=False but no route POST /cases/{case_id}/halfway",
        "Halfway: form field 'missing' is not in the command",
        "Halfway: task 'nobody_knows' has no wording",
        "NoRecord: no step record (step = StepRecord(...) on the class)",
    ]
