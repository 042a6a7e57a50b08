"""A cycle HR opens over HTTP closes itself at its close date (dev server, real timers).

Nothing but the product's own path is used: the roster import and the cycle's
creation and opening go through the API; the relay starts the cycle workflow on
``CycleOpened``; the workflow closes the cycle and every case at the close date.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import Role
from application.service import CareerFlow
from careerflow.demo_org import DEMO_ROSTER_CSV
from careerflow.settings import Settings
from careerflow.wiring import build_services
from tests.workflows.conftest import events, run_stack
from workflows.case_workflow import case_workflow_id
from workflows.cycle_workflow import cycle_workflow_id
from workflows.payloads import CaseSummary

API = "/api/v1"


async def test_a_cycle_opened_over_http_closes_itself_with_every_case(
    dev_server: WorkflowEnvironment, fresh_app: CareerFlow, fresh_settings: Settings
) -> None:
    app = fresh_app
    settings = fresh_settings.model_copy(update={"jwt_secret": "test-secret-" + "y" * 32})
    assert settings.database_url is not None
    services = build_services(settings, app, settings.database_url, temporal_address=None)
    token = services.tokens.issue("hedy", frozenset({Role.HR_ADMIN}))
    hr = {"Authorization": f"Bearer {token}"}
    async with run_stack(dev_server.client, app) as stack:
        with TestClient(create_app(services)) as client:
            imported = client.post(
                f"{API}/roster/import",
                content=DEMO_ROSTER_CSV,
                headers={**hr, "Content-Type": "text/csv"},
            )
            assert imported.status_code == 200, imported.text
            now = datetime.now(UTC)
            created = client.post(
                f"{API}/cycles",
                headers=hr,
                json={
                    "name": "closes in seconds",
                    "opens_at": (now - timedelta(seconds=1)).isoformat(),
                    "closes_at": (now + timedelta(seconds=8)).isoformat(),
                },
            )
            assert created.status_code == 201, created.text
            cycle_id = UUID(created.json()["id"])
            opened = client.post(f"{API}/cycles/{cycle_id}/open", headers=hr)
            assert opened.status_code == 200, opened.text
            assert opened.json()["changed"] == 9
        stack.extra_workflow_ids.add(cycle_workflow_id(cycle_id))
        await stack.settle(cycle_workflow_id(cycle_id))
        cycle = dev_server.client.get_workflow_handle(cycle_workflow_id(cycle_id), result_type=bool)
        assert await asyncio.wait_for(cycle.result(), timeout=60) is True
        enrolled = app.get_cycle(cycle_id).enrolled
        for employee in enrolled:
            case_id = app.case_for(cycle_id, employee).id
            handle = dev_server.client.get_workflow_handle(
                case_workflow_id(case_id), result_type=CaseSummary
            )
            assert (await asyncio.wait_for(handle.result(), timeout=30)).phase == "closed"
        await stack.settle()
    assert app.get_cycle(cycle_id).status == "closed"
    assert len(enrolled) == 9
    for employee in enrolled:
        case = app.case_for(cycle_id, employee)
        assert case.is_closed
        assert case.outcome == "incomplete"
        assert [n for n, _ in events(app, case.id)].count("CaseClosed") == 1
    assert [n for n, _ in events(app, cycle_id)].count("CycleClosed") == 1
