"""Absences through the pages in headless Chromium: Grace records one naming Linus (a
refused date is announced by its field first); Linus sees Grace's task as hers, the
case page says whom he acts for, he approves Ada's plan, and the history says on whose
behalf; Grace ends it early."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import sync_playwright

from tests.api.conftest import EMPLOYEE, MANAGER, Api
from tests.api.test_browser import (  # noqa: F401  (site: a fixture)
    Person,
    ensure_chromium,
    signed_in,
    site,
)
from tests.api.test_career_framework import plan
from tests.factories import T0

DELEGATE = "linus"


def day(n: int) -> str:
    return (T0 + timedelta(days=n)).date().isoformat()


def test_absence_and_delegation_through_the_pages(api: Api, site: str) -> None:  # noqa: F811
    case = api.hold_meeting()  # day 10
    api.ok(api.post(f"{case}/plan", EMPLOYEE, plan([])))
    api.ok(api.post(f"{case}/plan/submit", EMPLOYEE))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()))
        grace = signed_in(browser, site, api, MANAGER)
        page = grace.open("/absences")
        page.fill("#absence-starts_on", day(10))
        page.fill("#absence-ends_on", day(8))
        page.click("form[action='/absences'] button[type=submit]")
        page.wait_for_load_state()
        ends = page.locator("#absence-ends_on")
        assert ends.get_attribute("aria-invalid") == "true"
        assert "is before starts_on" in page.locator("#absence-ends_on-error").inner_text()
        assert page.locator("#absence-ends_on-error").get_attribute("role") == "alert"
        assert api.application.get_roster().absences == {}  # nothing written

        page.fill("#absence-ends_on", day(15))
        page.select_option("#absence-delegate_id", DELEGATE)
        page.click("form[action='/absences'] button[type=submit]")
        page.wait_for_load_state()
        row = page.locator("table tbody tr").first.inner_text()
        assert "Linus Torvalds" in row
        assert "current" in row
        grace.shot("absences")

        linus = signed_in(browser, site, api, DELEGATE)
        tasks = linus.open("/tasks").content()
        assert "for Grace Hopper (away)" in tasks
        banner = linus.open(case).locator("[role=note]").inner_text()
        assert banner.startswith("Grace Hopper is away and named you their delegate")
        linus.submit("plan/approve")
        assert api.application.get_case(api.case_id()).approved_version == 1
        history = linus.open(f"{case}/history").content()
        assert "linus on behalf of grace" in history

        page = grace.open("/absences")
        page.click("table form button[type=submit]")
        page.wait_for_load_state()
        assert "over" in page.locator("table tbody tr").first.inner_text()
        assert "You act for" not in linus.open("/absences").content()
        browser.close()
