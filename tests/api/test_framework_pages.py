"""The career framework through the pages in headless Chromium: HR imports a new version
after a preview and reads the grid; the employee names a target and rates herself with
the forms the framework fills; the manager rates; the gap, the dashboard's heatmap and
the growth page show it. Screenshots go with the others (``SCREENSHOTS``)."""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from careerflow.demo_framework import DEMO_FRAMEWORK_CSV
from tests.api.conftest import EMPLOYEE, HR_ADMIN, MANAGER, Api
from tests.api.test_browser import (  # noqa: F401  (site: a fixture)
    Person,
    ensure_chromium,
    signed_in,
    site,
)
from tests.api.test_career_framework import with_framework


def test_the_framework_through_the_pages(api: Api, site: str) -> None:  # noqa: F811
    with_framework(api)
    case_page = f"/cases/{api.case_id()}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()))

        def person(who: str, role: str = "") -> Person:
            return signed_in(browser, site, api, who, role)

        hedy = person(HR_ADMIN, "hr_admin")
        page = hedy.open("/framework")
        assert page.locator("table.grid-framework").count() == 2
        engineering = page.locator("table.grid-framework").first
        assert engineering.locator("thead").inner_text().startswith("Level\tPeople")
        senior = engineering.locator("tbody tr").last.inner_text()
        assert senior.startswith("Senior engineer\t2")  # who is where: Grace and Alan
        assert "Shapes the architecture of a whole system" in page.content()

        ada = person(EMPLOYEE)
        ada.open(case_page)
        ada.submit("target", track="Engineering", level="Senior engineer")
        ratings = {f"ratings.{i}.rating": "meets" for i in range(5)}
        ada.submit("self-rating", **{**ratings, "ratings.0.rating": "exceeds"})
        gap = ada.page.locator("#career-heading ~ table").last
        assert "4 of 5 competencies" in gap.locator("caption").inner_text()

        page.fill("#text", DEMO_FRAMEWORK_CSV.replace("Grows the next senior people", "Grows"))
        page.click("form[action='/framework'] button.secondary")
        page.wait_for_load_state()
        assert "What would change" in page.content()
        page.click("button[name=confirm]")
        page.wait_for_load_state()
        assert "version 2 is current" in page.locator(".banner").inner_text()
        assert "Grows the next senior people" not in page.content()
        hedy.shot("framework-grid")

        content = ada.open(case_page).content()
        assert "framework version 1" in content  # the case keeps the version it was judged by
        assert "Grows the next senior people" in content  # version 1's words
        ada.shot("case-career")

        dashboard = hedy.open(f"/cycles/{api.cycle_id}")
        assert dashboard.locator("table.heatmap").count() == 1
        heat = dashboard.locator("table.heatmap").inner_text()
        assert "Engineering" in heat
        assert "Leadership" in heat
        readiness = dashboard.locator("#readiness ~ table").first.inner_text()
        assert "Senior engineer" in readiness
        hedy.shot("dashboard-career")

        api.clock.to(1)
        grace = person(MANAGER)
        api.hold_meeting()
        grace.open(case_page)
        grace.submit("manager-rating", **{f"ratings.{i}.rating": "exceeds" for i in range(5)})
        assert "0 of 5 competencies" in grace.page.content()

        growth = ada.open("/growth")
        assert "Ada Lovelace's growth" in growth.content()
        assert "own: exceeds · manager: exceeds" in growth.content()
        ada.shot("growth")
        browser.close()
