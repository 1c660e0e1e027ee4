"""Page-object helpers shared by the browser tests: open the widget, ask, wait for the reply."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

LAUNCHER_NAME = "市の計画について質問する"


def launcher(page: Page) -> Locator:
    return page.get_by_role("button", name=LAUNCHER_NAME)


def open_widget(page: Page) -> None:
    launcher(page).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(chat_input(page)).to_be_focused()


def chat_input(page: Page) -> Locator:
    return page.get_by_label("質問を入力")


def replies(page: Page) -> Locator:
    """Finished assistant answers (the greeting and the waiting bubble are excluded)."""
    return page.locator(".npa-log .npa-msg--bot[data-answer-type]")


def send(page: Page, question: str) -> None:
    """Type ``question`` into the widget and press Enter (without waiting for anything)."""
    field = chat_input(page)
    field.fill(question)
    field.press("Enter")


def ask(page: Page, question: str) -> Locator:
    """Type ``question``, press Enter, and return the new answer bubble once it has arrived."""
    before = replies(page).count()
    send(page, question)
    expect(replies(page)).to_have_count(before + 1, timeout=30_000)
    return replies(page).nth(before)


def scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")
