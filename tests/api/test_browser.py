"""A whole case through the pages in headless Chromium, as its people would take it.

The employee prepares and requests the meeting, the manager accepts, the peer
answers, the meeting is held and recapped, the plan is sent back and resubmitted,
approved, and a check-in recorded; HR sees the case on the cycle's dashboard and the
auditor sees it as it was the day before. A screenshot of each main page is saved
under ``SCREENSHOTS`` (a test artefact).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright

from domain.base import SYSTEM_ACTOR
from domain.timer_commands import MarkCheckInDue
from tests.api.conftest import AUDITOR, EMPLOYEE, HR_ADMIN, MANAGER, Api
from tests.factories import T0, at

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PEER = "linus"


def ensure_chromium() -> Path:
    """Debian's chromium, installed on first use (root is available on these machines)."""
    if not CHROMIUM.exists():
        apt = shutil.which("apt-get")
        assert apt is not None, "chromium is missing and apt-get is not available"
        subprocess.run([apt, "update", "-qq"], check=True)
        quiet = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/bin:/bin:/usr/sbin"}
        subprocess.run([apt, "install", "-y", "-qq", "chromium"], check=True, env=quiet)
    return CHROMIUM


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on a free port (a browser or an HTTP checker needs a real
    server); its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def site(api: Api) -> Iterator[str]:
    """The app under uvicorn on a free port (the browser needs a real server)."""
    with serving(api.client.app) as base:
        yield base


ONE_ACHIEVEMENT = {
    "achievements.0.situation": "Builds took 40 minutes",
    "achievements.0.task": "Make CI fast",
    "achievements.0.action": "Cached dependencies, split the suite",
    "achievements.0.result.description": "Builds fell to 8 minutes",
    "achievements.0.result.measure.metric": "build minutes",
    "achievements.0.result.measure.value": "8",
    "aspirations.next_roles.0": "Tech lead",
}
"""A self-assessment's one STAR achievement and next role, as the form names them."""


class Person:
    def __init__(self, page: Page, base: str, api: Api, who: str, role: str = "") -> None:
        self.page, self.base, self.api = page, base, api
        page.goto(f"{base}/sign-in")
        if who in api.application.get_roster().people:
            page.select_option("#employee_id", who)
        else:
            page.fill("#other_id", who)
        page.select_option("#role", role)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/tasks")

    def open(self, path: str) -> Page:
        self.api.project()
        self.page.goto(self.base + path)
        return self.page

    def submit(self, form: str, **fields: str) -> None:
        """Fill a step form by field name and send it; the page must come back without errors."""
        scope = f"#form-{form.replace('/', '-')}"
        for name, value in fields.items():
            target = self.page.locator(f'{scope} [name="{name}"]')
            kind = target.first.get_attribute("type")
            if kind == "checkbox":
                for box in target.all():
                    if box.get_attribute("value") in value.split(",") or value == "on":
                        box.check()
            elif target.first.evaluate("e => e.tagName") == "SELECT":
                target.select_option(value)
            else:
                target.fill(value)
        self.page.click(f"{scope} button.send")
        self.page.wait_for_load_state()
        errors = self.page.locator(".error").all_inner_texts()
        assert errors == [], errors

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def signed_in(browser: Any, site: str, api: Api, who: str, role: str = "") -> Person:
    """A browser of their own (each person's session cookie is theirs), signed in."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    return Person(context.new_page(), site, api, who, role)


def local(days: float) -> str:
    """A datetime-local value: Ada is in London (GMT in January)."""
    return (T0 + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_a_whole_case_through_the_pages(api: Api, site: str) -> None:
    case = api.case_id()
    case_page = f"/cases/{case}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()))

        def person(who: str, role: str = "") -> Person:
            return signed_in(browser, site, api, who, role)

        ada = person(EMPLOYEE)
        ada.open("/tasks")
        assert "Record your self-assessment" in ada.page.content()
        ada.shot("employee-tasks")
        ada.open(case_page)
        ada.submit("self-assessment", **{
            "skills.0.skill": "Python", "skills.0.fit": "Our platform is Python", **ONE_ACHIEVEMENT,
        })  # fmt: skip
        ada.submit("peer-feedback-requests", peer_id=PEER)
        ada.open(case_page)
        ada.submit("meeting/request", proposed_for=local(10))
        ada.open(case_page)
        ada.submit("notes", text="Ask about the Lisbon office", visibility="private")
        ada.submit("notes", text="Pair on the compiler", visibility="shared")
        assert "Ask about the Lisbon office" in ada.page.content()
        ada.shot("employee-case")

        grace = person(MANAGER)
        grace.open(case_page)
        grace.submit("meeting/accept")

        linus = person(PEER)
        linus.open(case_page)
        assert "timeline" not in linus.page.content()
        linus.submit("peer-feedback", **{"feedback.strengths.0": "Clear designs",
                                         "anonymous": "on"})  # fmt: skip
        linus.shot("peer-feedback")

        ada.open(case_page)
        ada.shot("employee-case-scheduled")
        ada.submit("agenda", topics="achievements,goals")
        api.clock.to(10)
        grace.open(case_page)
        grace.submit("meeting/held")
        grace.open(case_page)
        grace.submit("recap", learned="Wants to lead design work",
                     follow_up_on=(T0 + timedelta(days=40)).date().isoformat(),
                     **{"action_items.0.title": "Shadow the staff engineer",
                        "action_items.0.owner_id": EMPLOYEE,
                        "action_items.0.due_at": local(30)})  # fmt: skip

        plan = {
            "goals.0.specific": "Run the quarterly architecture review",
            "goals.0.measurable.metric": "reviews run", "goals.0.measurable.target": "4",
            "goals.0.achievable": "Co-ran one already", "goals.0.relevant": "Team OKR",
            "goals.0.due_on": "2026-09-30", "goals.0.emotional_connection": "I enjoy it",
            "goals.0.reflect_and_readjust.every": "P30D",
            "goals.0.reflect_and_readjust.how": "At check-ins",
            "activities.0.kind": "mentoring", "activities.0.description": "Pair weekly",
            "support.description": "Time in the sprint", "alignment.0": "OKR: fewer regressions",
        }  # fmt: skip
        api.clock.to(11)
        ada.open(case_page)
        ada.submit("plan", **plan)
        ada.open(case_page)
        ada.submit("plan/submit")
        grace.open(case_page)
        grace.shot("manager-case")
        grace.submit("plan/request-changes", comments="Add a second goal-side measure")
        ada.open(case_page)
        ada.submit("plan", **(plan | {"goals.0.measurable.target": "6"}))
        ada.open(case_page)
        ada.submit("plan/submit")
        api.clock.to(12)
        grace.open(case_page)
        assert "Version 2" in grace.page.content()
        grace.submit("plan/approve")
        api.application.execute(case, MarkCheckInDue(number=1, due_at=at(42)),
                                actor=SYSTEM_ACTOR, at=at(42))  # fmt: skip
        api.clock.to(43)
        grace.open(case_page)
        grace.submit("check-ins", notes="On track; first review done")
        ada.open(case_page)
        ada.submit("goal-progress", goal_id="g1", percent="25", note="First review run")
        assert api.application.get_case(case).goal_progress["g1"] == 25
        ada.open(case_page)
        ada.page.click("text=Mark done")
        ada.page.wait_for_load_state()
        (item_id,) = api.application.get_case(case).action_item_ids
        assert api.application.get_action_item(item_id).status == "completed"
        grace.open(case_page)
        assert "Pair on the compiler" in grace.page.content()
        assert "Lisbon" not in grace.page.content()  # ada's private note
        grace.open("/team")
        grace.shot("manager-team")
        assert api.application.get_case(case).phase.value == "plan_approved"

        hedy = person(HR_ADMIN, "hr_admin")
        hedy.open(f"/cycles/{api.cycle_id}")
        assert "Ada Lovelace" in hedy.page.content()
        assert "plan approved" in hedy.page.content()
        hedy.shot("hr-dashboard")

        auditor = person(AUDITOR, "auditor")
        day_before = (T0 + timedelta(days=42)).strftime("%Y-%m-%dT%H:%M:%SZ")
        auditor.open(f"{case_page}/history?as_of={day_before}")
        auditor.page.fill("#reason", "Yearly audit of approvals")  # outside her department
        auditor.page.click("text=Open the case")
        auditor.page.wait_for_load_state()
        content = auditor.page.content()
        assert "PlanApproved" in content
        assert "CheckInHeld" not in content
        auditor.shot("auditor-history")
        ada.open("/reads")
        assert "Yearly audit of approvals" in ada.page.content()
        ada.shot("employee-reads")
        ada.open("/inbox")
        ada.shot("employee-inbox")
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        small = Person(phone.new_page(), site, api, EMPLOYEE)
        small.open(case_page)
        width = small.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the case page scrolls sideways on a phone ({width}px)"
        small.shot("employee-case-phone")
        browser.close()
    assert len(list(SCREENSHOTS.glob("*.png"))) >= 8
