"""``/docs`` renders every operation of the OpenAPI 3.1 schema in a real browser, from
files served by the app itself (no other host)."""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from tests.api.conftest import Api
from tests.api.test_browser import ensure_chromium, site  # noqa: F401  (a fixture)


def test_the_api_docs_list_every_operation(api: Api, site: str) -> None:  # noqa: F811
    schema = api.client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    operations = sum(len(methods) for methods in schema["paths"].values())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()))
        page = browser.new_page()
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda request: (
                elsewhere.append(request.url)
                if not request.url.startswith(site) and not request.url.startswith("data:")
                else None
            ),
        )
        page.goto(f"{site}/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        shown = page.locator(".opblock").count()
        assert shown == operations
        assert page.locator(".opblock-summary-path", has_text="/api/v1/framework/import").count()
        assert elsewhere == []
        browser.close()
