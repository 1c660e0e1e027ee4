"""/docs on a closed network: Swagger UI renders from the project's own assets, with every other host cut off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow


def test_swagger_ui_renders_with_no_request_to_another_host(new_page, base_url):
    page = new_page()
    elsewhere: list[str] = []

    def only_ours(route):
        url = route.request.url
        if url.startswith((base_url, "data:", "blob:")):
            return route.continue_()
        elsewhere.append(url)
        return route.abort()

    page.route("**/*", only_ours)
    page.goto("/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/chat")).to_be_visible(timeout=15_000)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert elsewhere == []
    # Operations open and show their schema, all from /openapi.json.
    page.locator(".opblock-summary-control", has_text="/api/chat").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()


def test_docs_page_links_only_local_assets(http):
    html = http.get("/docs").text
    assert '<html lang="ja">' in html
    assert "cdn." not in html and "fastapi.tiangolo.com" not in html
    for asset in ("/static-docs/swagger-ui-bundle.js", "/static-docs/swagger-ui.css", "/static/docs.css"):
        assert asset in html
        response = http.get(asset)
        assert response.status_code == 200 and len(response.content) > 1000
