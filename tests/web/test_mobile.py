"""360 px phones: no horizontal scroll on any page, with the widget open and an answer shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.helpers import ask, open_widget, scroll_width

pytestmark = pytest.mark.slow


def test_operator_page_fits_at_360_without_the_citizen_launcher(new_page):
    page = new_page(width=360, height=740)
    page.goto("/callcenter?q=コールセンターの担当課は？")
    expect(page.locator("#cc-dept")).to_have_text("広報広聴課")
    assert scroll_width(page) <= 360
    assert page.locator(".npa-launcher").count() == 0


@pytest.mark.parametrize("path", ["/", "/search?department=DX推進課", "/projects/H3-3/1/2"])
def test_no_horizontal_scroll_at_360(new_page, path):
    page = new_page(width=360, height=740)
    page.goto(path)
    assert scroll_width(page) <= 360
    open_widget(page)
    box = page.get_by_role("dialog").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert scroll_width(page) <= 360


def test_answer_fits_at_360(new_page):
    page = new_page(width=360, height=740)
    page.goto("/")
    open_widget(page)
    answer = ask(page, "コールセンターの担当課は？")
    answer.locator("details.npa-cite summary").first.click()
    expect(answer.locator(".npa-excerpt").first).to_be_visible()
    assert scroll_width(page) <= 360
    assert page.locator(".npa-log").evaluate("el => el.scrollWidth <= el.clientWidth")
