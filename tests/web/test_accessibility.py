"""axe-core (bundled by axe-playwright-python) on every page and on the open widget, at phone and desktop sizes.

A serious or critical violation fails, and so do the moderate ones the widget once had when open
(a second banner landmark, landmarks without unique names). The widget is checked with an answer shown,
with the comment box of 「役に立たなかった」 open, and full screen on a phone.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.web.helpers import ask, open_widget

pytestmark = pytest.mark.slow

FAILING_MODERATE = {"landmark-no-duplicate-banner", "landmark-unique"}
PAGES = [
    "/",
    "/search",
    "/search?q=デジタル",
    "/search?department=DX推進課",
    "/callcenter",
    "/callcenter?q=粗大ごみの出し方を教えて",
    "/projects/H1-1/1/6",
    "/about",
    "/docs",
    "/no-such-page",
]
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


def failing(page) -> list[str]:
    """The violations this suite does not accept, as readable lines (rule, impact, first targets)."""
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
        if v["impact"] in ("serious", "critical") or v["id"] in FAILING_MODERATE
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_violations(new_page, path, size):
    page = new_page(*SIZES[size])
    page.goto(path)
    if path == "/docs":
        expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert failing(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_open_widget_with_an_answer_and_a_comment_box(new_page, size):
    page = new_page(*SIZES[size])
    page.goto("/")
    open_widget(page)
    assert failing(page) == [], "greeting"
    answer = ask(page, "コールセンターの担当課は？")
    answer.locator("details.npa-cite summary").first.click()
    answer.get_by_role("button", name="役に立たなかった").click()
    expect(answer.locator("textarea")).to_be_focused()
    assert failing(page) == [], "answer with the comment box open"
