"""The embeddable chat widget on the demo city page, driven by keyboard and mouse against the live server."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.web.helpers import ask, chat_input, launcher, open_widget, replies

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"


def test_keyboard_open_ask_cite_and_follow_up(page):
    chat_bodies: list[dict] = []
    page.on(
        "request",
        lambda r: chat_bodies.append(json.loads(r.post_data or "{}")) if r.url.endswith("/api/chat") else None,
    )
    page.goto("/")
    button = launcher(page)
    expect(button).to_be_visible()
    for _ in range(60):  # Tab through the page until the launcher has focus
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(chat_input(page)).to_be_focused()
    expect(page.locator(".npa-log .npa-chip").first).to_be_visible()  # greeting suggestions

    answer = ask(page, "コールセンターの担当課は？")
    expect(answer.locator(".npa-answer")).to_contain_text("広報広聴課")
    cite = answer.locator("details.npa-cite").first
    expect(cite.locator("summary")).to_contain_text("コールセンター運営")
    expect(cite.locator("summary")).to_contain_text("広報広聴課")
    # One card per project: its 所管課 cell and its summary are two lines of the same citation.
    expect(answer.locator("details.npa-cite")).to_have_count(1)
    cite.locator("summary").click()
    expect(cite.locator(".npa-excerpt")).to_have_count(2)
    expect(cite.locator(".npa-excerpt").first).to_have_text("【広報広聴課】")
    expect(cite.locator(".npa-excerpt").nth(1)).to_contain_text("問合せを一元的に受け付け")
    link = cite.get_by_role("link", name=re.compile("事業の詳細"))
    expect(link).to_have_attribute("href", re.compile(r"/projects/H1-1/1/6$"))
    expect(cite.locator(".npa-source")).to_contain_text("行目")

    follow = ask(page, "それはいつから？")
    expect(follow.locator(".npa-answer")).not_to_be_empty()
    expect(follow).to_contain_text("コールセンター")
    assert len(chat_bodies) == 2
    assert chat_bodies[0]["session_id"] is None
    assert chat_bodies[1]["session_id"], "the follow-up must reuse the session id from the first answer"


def test_out_of_scope_question_shows_handoff_card(page):
    page.goto("/")
    open_widget(page)
    answer = ask(page, "粗大ごみの出し方を教えて")
    card = answer.locator(".npa-handoff")
    expect(card).to_be_visible()
    expect(card).to_contain_text("095-822-8888")
    expect(card.get_by_role("link", name="095-822-8888")).to_have_attribute("href", "tel:0958228888")


def test_markup_in_question_is_shown_as_text(page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/")
    open_widget(page)
    ask(page, f"{XSS}の事業は？")
    expect(page.locator(".npa-msg--user").last).to_contain_text(XSS)
    page.wait_for_timeout(500)
    assert page.locator(".npa-log img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []


def test_escape_closes_and_returns_focus(page):
    page.goto("/")
    open_widget(page)
    page.keyboard.press("Tab")  # Escape works from anywhere in the panel, not only the input
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher(page)).to_be_focused()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")


def test_network_failure_offers_retry(page):
    page.goto("/")
    open_widget(page)
    page.route("**/api/chat", lambda route: route.abort())
    chat_input(page).fill("コールセンターの担当課は？")
    chat_input(page).press("Enter")
    error = page.locator(".npa-msg--error")
    expect(error).to_contain_text("通信できませんでした")
    retry = error.get_by_role("button", name="再送信")
    expect(retry).to_be_visible()
    expect(chat_input(page)).to_be_enabled()

    page.unroute("**/api/chat")
    retry.click()
    expect(page.locator(".npa-msg--error")).to_have_count(0)
    expect(replies(page)).to_have_count(1, timeout=30_000)
    expect(replies(page).first).to_contain_text("広報広聴課")


def test_rate_limit_message(page):
    page.goto("/")
    open_widget(page)
    page.route(
        "**/api/chat",
        lambda route: route.fulfill(status=429, headers={"Retry-After": "30"}, json={"detail": "rate limited"}),
    )
    chat_input(page).fill("DX推進課の事業を一覧で")
    chat_input(page).press("Enter")
    error = page.locator(".npa-msg--error")
    expect(error).to_contain_text("集中しています")
    expect(error.get_by_role("button", name="再送信")).to_be_visible()


def test_timeout_shows_message(page):
    page.clock.install()
    page.goto("/")
    open_widget(page)
    page.route("**/api/chat", lambda route: None)  # never answers
    chat_input(page).fill("コールセンターの担当課は？")
    chat_input(page).press("Enter")
    expect(page.locator(".npa-msg--waiting")).to_be_visible()
    page.clock.run_for(21_000)
    error = page.locator(".npa-msg--error")
    expect(error).to_contain_text("時間がかかりすぎた")
    expect(error.get_by_role("button", name="再送信")).to_be_visible()
    expect(chat_input(page)).to_be_enabled()


def test_too_long_question_shows_server_detail(page):
    page.goto("/")
    open_widget(page)
    field = chat_input(page)
    field.evaluate("el => el.removeAttribute('maxlength')")
    field.fill("長崎市の計画について" * 80)
    field.press("Enter")
    error = page.locator(".npa-msg--error")
    expect(error).to_be_visible()
    expect(error.locator(".npa-text")).not_to_be_empty()
    expect(error.get_by_role("button", name="再送信")).to_have_count(0)
    expect(field).to_have_value(re.compile("^長崎市の計画について"))


def test_feedback_suggestions_and_large_text(page):
    page.goto("/")
    open_widget(page)
    answer = ask(page, "DX推進課の事業を一覧で")
    expect(answer.locator(".npa-cite").first).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as info:
        answer.get_by_role("button", name="役に立った", exact=True).click()
    assert info.value.status == 201
    expect(answer.locator(".npa-feedback")).to_contain_text("ありがとうございました")

    chips = answer.locator(".npa-chip")
    if chips.count():
        chips.first.click()
        expect(replies(page)).to_have_count(2, timeout=30_000)

    toggle = page.get_by_role("button", name="文字を大きく")
    size = page.locator(".npa-root").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    larger = page.locator(".npa-root").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert larger > size


@pytest.mark.parametrize("question", ["お店を始めたい", "観光客を増やす"])
def test_low_confidence_note_matches_the_api(page, question):
    page.goto("/")
    open_widget(page)
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as info:
        chat_input(page).fill(question)
        chat_input(page).press("Enter")
    confidence = info.value.json()["confidence"]
    expect(replies(page)).to_have_count(1)
    answer = replies(page).first
    note = answer.locator(".npa-lowconf")
    if confidence == "low":
        expect(note).to_contain_text("確信度が低い")
    else:
        expect(note).to_have_count(0)


def test_short_answer_first_and_the_long_form_folded(page):
    page.goto("/")
    open_widget(page)
    answer = ask(page, "DX推進課の事業を一覧で")
    short = answer.locator(".npa-answer")
    expect(short).to_contain_text("DX推進課の主要事業は")
    assert len(short.inner_text()) <= 120
    detail = answer.locator("details.npa-detail")
    expect(detail.locator("summary")).to_have_text("詳しく見る")
    expect(detail.locator("p")).not_to_be_visible()  # folded until asked for
    detail.locator("summary").click()
    expect(detail.locator("p")).to_contain_text("〔H3-3")  # the whole list, under its places in the plan
