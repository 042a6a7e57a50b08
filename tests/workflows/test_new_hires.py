"""New hires enrolled by the cycle's own timer a grace period after they start
(``Policy.enrol_new_hires_after``), on the time-skipping server."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from domain.roster import Person
from domain.values import Policy
from tests.factories import open_cycle_with
from tests.workflows.conftest import Stack, now
from workflows.cycle_workflow import cycle_workflow_id

DAY = timedelta(days=1)


def person(employee: str, manager: str | None, **more: object) -> Person:
    return Person.model_validate(
        {"employee_id": employee, "name": employee.title(), "email": f"{employee}@example.com",
         "manager_id": manager, "department": "Ops", **more}
    )  # fmt: skip


async def test_new_hires_are_enrolled_after_the_grace_period_and_only_they(
    time_skipping: WorkflowEnvironment, stack: Stack
) -> None:
    app, start = stack.app, await now(time_skipping)
    first = [person("boss", None), person("old", "boss"), person("left-out", "boss")]
    app.import_roster(first, source="t", actor="hr", at=start)
    population = [p for p in app.get_roster().population() if p.employee_id == "old"]
    policy = Policy(enrol_new_hires_after=3 * DAY)
    cycle_id = open_cycle_with(app, population, start=start, closes=start + 40 * DAY, policy=policy)
    await stack.settle(cycle_workflow_id(cycle_id))
    stack.extra_workflow_ids.add(cycle_workflow_id(cycle_id))
    starts_later = person("joiner", "boss", start_date=(start + 5 * DAY).date().isoformat())
    app.import_roster(
        [*first, person("hired", "boss"), starts_later], source="t", actor="hr", at=start + DAY
    )
    await time_skipping.sleep(3.5 * DAY)
    assert app.get_cycle(cycle_id).enrolled_set == {"old"}  # nobody past the grace yet
    for _ in range(200):
        if "hired" in app.get_cycle(cycle_id).enrolled_set:
            break
        await time_skipping.sleep(timedelta(hours=6))
    enrolled = app.get_cycle(cycle_id).enrolled_set
    assert enrolled == {"old", "hired"}  # added on day 1 + 3 days' grace
    case = app.case_for(cycle_id, "hired")
    assert case.manager_id == "boss"
    for _ in range(200):
        if "joiner" in app.get_cycle(cycle_id).enrolled_set:
            break
        await time_skipping.sleep(timedelta(hours=6))
    assert app.get_cycle(cycle_id).enrolled_set == {"old", "hired", "joiner"}
    opened = app.case_for(cycle_id, "joiner").opened_at
    assert opened >= start + 8 * DAY - timedelta(days=1)  # its start date (day 5) + 3 days
    assert "left-out" not in app.get_cycle(cycle_id).enrolled_set  # HR's population stands
