"""Forms for people, in headless Chromium: repeated parts added and removed without
JavaScript round trips lost, a coworker picked by name (and one out of reach refused,
naming the field, writing nothing), durations as choices or days, times entered with
the zone named."""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from tests.api.conftest import EMPLOYEE, Api
from tests.api.test_browser import (  # noqa: F401  (site: a fixture)
    ONE_ACHIEVEMENT,
    Person,
    ensure_chromium,
    signed_in,
    site,
)


def test_repeated_parts_a_name_picker_and_the_zone(api: Api, site: str) -> None:  # noqa: F811
    case_page = f"/cases/{api.case_id()}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()))
        ada = signed_in(browser, site, api, EMPLOYEE)
        page = ada.open(case_page)
        form = "#form-self-assessment"
        page.fill(f'{form} [name="skills.0.skill"]', "Python")
        page.click(f'{form} button[name="_add"][value="skills"]')
        page.wait_for_load_state()
        assert page.locator(f'{form} [name="skills.0.skill"]').input_value() == "Python"  # kept
        assert page.locator(f"{form} legend", has_text="Skill 2").count() == 1
        page.click(f'{form} button[name="_add"][value="skills"]')
        page.wait_for_load_state()
        page.fill(f'{form} [name="skills.2.skill"]', "Rust")
        page.click(f'{form} button[name="_remove"][value="skills.1"]')  # the middle one
        page.wait_for_load_state()
        assert page.locator(f'{form} [name="skills.1.skill"]').input_value() == "Rust"
        assert page.locator(f'{form} [name="skills.2.skill"]').count() == 0
        ada.submit("self-assessment", **{
            "skills.0.fit": "Our platform is Python", "skills.1.fit": "The new services",
            **ONE_ACHIEVEMENT,
        })  # fmt: skip
        skills = api.application.get_case(api.case_id()).self_assessment
        assert skills is not None
        assert [s.skill for s in skills.skills] == ["Python", "Rust"]

        page = ada.open(case_page)
        picker = page.locator('#form-peer-feedback-requests select[name="peer_id"]')
        names = picker.locator("option").all_inner_texts()
        assert "Linus Torvalds" in names
        assert "Margaret Hamilton" not in names  # Sales: not someone Ada works with
        page.fill("#peer-feedback-requests--peer_id--search", "linu")  # the enhancement
        assert picker.input_value() == "linus"
        page.fill('#form-peer-feedback-requests [name="peer_id__id"]', "margaret")
        page.click("#form-peer-feedback-requests button.send")
        page.wait_for_load_state()
        error = page.locator("#peer-feedback-requests--peer_id-error").inner_text()
        assert error == "not someone you can pick here"
        assert api.application.get_case(api.case_id()).peer_feedback == {}
        ada.submit("peer-feedback-requests", peer_id="linus", peer_id__id="")
        assert list(api.application.get_case(api.case_id()).peer_feedback) == ["linus"]

        page = ada.open(case_page)
        hint = page.locator('[id="meeting/request--proposed_for-hint"]').inner_text()
        assert "in your time zone, Europe/London" in hint
        reflect = page.locator('#form-goals [name="reflect_and_readjust.every"] option')
        assert reflect.all_inner_texts() == ["every 2 weeks", "monthly", "quarterly"]
        browser.close()
