"""The widget embedded on another origin: API origin taken from its own script src, CORS, style isolation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.helpers import ask, chat_input, open_widget

pytestmark = pytest.mark.slow


def test_widget_works_cross_origin(http, page, base_url, embed_site, embed_origin):
    preflight = http.options(
        "/api/chat",
        headers={
            "Origin": embed_origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    if preflight.headers.get("access-control-allow-origin") not in (embed_origin, "*"):
        pytest.skip(f"the server does not allow CORS from {embed_origin} (set ASSISTANT_CORS_ORIGINS)")
    page.goto(embed_site)
    open_widget(page)
    css = page.locator("link[data-npa-css]")
    expect(css).to_have_attribute("href", f"{base_url}/static/widget.css")

    answer = ask(page, "コールセンターの担当課は？")
    expect(answer.locator(".npa-answer")).to_contain_text("広報広聴課")
    link = answer.locator(".npa-cite a").first
    expect(link).to_have_attribute("href", f"{base_url}/projects/H1-1/1/6")

    # The host page's global rules (input width 40px, red h2 border) do not reach the widget.
    assert chat_input(page).bounding_box()["width"] > 150
    border = page.locator(".npa-title").evaluate("el => getComputedStyle(el).borderBottomWidth")
    assert border == "0px"
