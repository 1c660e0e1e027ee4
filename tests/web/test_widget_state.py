"""The widget as a citizen on a phone lives it: reloads, a second question typed while the first is answered,
full-screen focus, tap targets, their own font size, English, phone numbers, the disclaimer and feedback."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from assistant.api.widget import STARTERS
from tests.web.helpers import ask, chat_input, open_widget, replies, send

pytestmark = pytest.mark.slow

PHONE = (390, 844)


def _chat_bodies(page) -> list[dict]:
    bodies: list[dict] = []
    page.on(
        "request", lambda r: bodies.append(json.loads(r.post_data or "{}")) if r.url.endswith("/api/chat") else None
    )
    return bodies


def test_reload_keeps_conversation_session_and_text_size_until_start_over(page):
    bodies = _chat_bodies(page)
    page.goto("/")
    open_widget(page)
    page.get_by_role("button", name="文字を大きく").click()
    first = ask(page, "コールセンターの担当課は？")
    expect(first.locator(".npa-answer")).to_contain_text("広報広聴課")

    session = page.evaluate("JSON.parse(sessionStorage.getItem('npa-widget-v1')).sessionId")
    assert session and bodies[0]["session_id"] is None
    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()  # still open
    expect(replies(page)).to_have_count(1)
    expect(page.locator(".npa-msg--user")).to_have_text("あなたの質問：コールセンターの担当課は？")
    expect(page.locator(".npa-root")).to_have_class("npa-root npa-large npa-open")
    follow = ask(page, "それはいつから？")
    expect(follow).to_contain_text("コールセンター")  # the follow-up context survived the reload
    assert bodies[1]["session_id"] == session

    page.get_by_role("button", name="最初から").click()
    expect(replies(page)).to_have_count(0)
    expect(page.locator(".npa-msg--greeting")).to_be_visible()
    page.reload()
    expect(replies(page)).to_have_count(0)
    ask(page, "市長と直接話せる機会はある？")
    assert bodies[-1]["session_id"] is None, "最初から forgets the session"


def test_loading_dots_in_a_row_and_a_second_question_is_queued_not_swallowed(page):
    held = []
    page.route("**/api/chat", lambda route: held.append(route) if not held else route.continue_())
    bodies = _chat_bodies(page)
    page.goto("/")
    open_widget(page)
    send(page, "コールセンターの担当課は？")
    waiting = page.locator(".npa-msg--waiting")
    expect(waiting).to_be_visible()
    expect(waiting).to_have_attribute("role", "status")
    dots = [waiting.locator(".npa-dots span").nth(i).bounding_box() for i in range(3)]
    assert len({round(d["y"]) for d in dots}) == 1 and dots[0]["x"] < dots[1]["x"] < dots[2]["x"], dots

    send(page, "市長と直接話せる機会はある？")  # while the first answer is still being written
    expect(chat_input(page)).to_have_value("")
    expect(page.locator(".npa-queued")).to_be_visible()
    held[0].continue_()
    expect(replies(page)).to_have_count(2, timeout=30_000)
    expect(page.locator(".npa-queued")).to_have_count(0)
    assert [b["message"] for b in bodies] == ["コールセンターの担当課は？", "市長と直接話せる機会はある？"]
    expect(replies(page).nth(1)).to_contain_text("市長")


def test_full_screen_panel_is_modal_and_keeps_focus_inside(new_page):
    page = new_page(*PHONE)
    page.goto("/")
    open_widget(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_have_attribute("aria-modal", "true")
    for _ in range(25):
        page.keyboard.press("Tab")
        assert dialog.evaluate("el => el.contains(document.activeElement)"), "Tab left the full-screen panel"
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        assert dialog.evaluate("el => el.contains(document.activeElement)")

    side = new_page(844, 390)  # a phone on its side: full screen too, the conversation keeps most of it
    side.goto("/")
    open_widget(side)
    expect(side.get_by_role("dialog")).to_have_attribute("aria-modal", "true")
    log = side.locator(".npa-log").bounding_box()
    assert log and log["height"] >= 240, log

    desktop = new_page(1280, 800)
    desktop.goto("/")
    open_widget(desktop)
    expect(desktop.get_by_role("dialog")).to_have_attribute("aria-modal", "false")  # a floating panel


def test_tap_targets_and_text_size_follow_the_reader(new_page):
    page = new_page(*PHONE)
    page.goto("/")
    page.evaluate("document.documentElement.style.fontSize = '125%'")  # the reader's larger default font
    open_widget(page)
    answer = ask(page, "コールセンターの担当課は？")
    small = page.evaluate(
        """() => [...document.querySelectorAll('.npa-root button, .npa-root summary')]
             .filter((n) => n.getClientRects().length)
             .map((n) => [n.textContent.trim(), n.getBoundingClientRect().width, n.getBoundingClientRect().height])
             .filter(([, w, h]) => w < 44 || h < 44)"""
    )
    assert small == []
    size = lambda: page.locator(".npa-root").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")  # noqa: E731
    assert size() == pytest.approx(20.0)
    page.get_by_role("button", name="文字を大きく").click()
    assert size() >= 20.0 * 1.25
    expect(answer.locator(".npa-answer")).to_be_visible()


def test_english_question_gets_english_labels_and_lang(page):
    page.goto("/")
    open_widget(page)
    answer = ask(page, "Which office runs the city call center?")
    expect(answer).to_have_attribute("lang", "en")
    expect(page.locator(".npa-msg--user").last).to_have_attribute("lang", "en")
    expect(page.locator(".npa-send")).to_have_text("Send")
    expect(page.locator(".npa-root")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Your question")).to_be_visible()
    page.locator("#npa-input").fill("コールセンターの担当課は？")  # back to Japanese
    page.locator("#npa-input").press("Enter")
    expect(replies(page)).to_have_count(2, timeout=30_000)
    expect(replies(page).nth(1)).to_have_attribute("lang", "ja")
    expect(page.locator(".npa-send")).to_have_text("送信")


def test_phone_number_in_an_error_is_a_tel_link(page):
    page.route("**/api/chat", lambda route: route.abort())
    page.goto("/")
    open_widget(page)
    send(page, "コールセンターの担当課は？")
    error = page.locator(".npa-msg--error")
    expect(error).to_be_visible()
    expect(error.locator("a[href='tel:0958228888']")).to_have_text("095-822-8888")


def test_disclaimer_privacy_link_starters_and_a_comment_on_negative_feedback(page, base_url):
    posted: list[dict] = []
    page.on(
        "request", lambda r: posted.append(json.loads(r.post_data or "{}")) if r.url.endswith("/api/feedback") else None
    )
    page.goto("/")
    open_widget(page)
    expect(page.locator(".npa-disclaimer")).to_contain_text("自動応答です。回答は実施計画の記載に基づきます")
    expect(page.locator(".npa-disclaimer a")).to_have_attribute("href", base_url + "/about#privacy")
    chips = page.locator(".npa-msg--greeting .npa-chip")
    assert chips.all_inner_texts() == STARTERS["ja"] + STARTERS["en"][:1]
    expect(chips.last).to_have_attribute("lang", "en")

    answer = ask(page, "コールセンターの担当課は？")
    answer.get_by_role("button", name="役に立たなかった").click()
    comment = answer.locator("textarea")
    expect(comment).to_be_focused()
    comment.fill("受付時間も知りたかった")
    answer.get_by_role("button", name="送信", exact=True).click()
    expect(answer.locator(".npa-feedback__thanks")).to_be_visible()
    assert posted[-1]["helpful"] is False and posted[-1]["comment"] == "受付時間も知りたかった"
    page.reload()
    expect(replies(page).first.locator(".npa-feedback__thanks")).to_be_visible()  # rated stays rated


def test_a_session_the_server_does_not_know_is_said_plainly(page):
    page.goto("/")
    open_widget(page)
    ask(page, "コールセンターの担当課は？")
    page.evaluate(
        """() => { const s = JSON.parse(sessionStorage.getItem('npa-widget-v1'));
                   s.sessionId = 'aaaaaaaa'; sessionStorage.setItem('npa-widget-v1', JSON.stringify(s)); }"""
    )
    page.reload()
    answer = ask(page, "それはいつから？")
    expect(answer).to_contain_text("新しい質問として回答しました")
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('npa-widget-v1')).sessionId")
    assert stored and stored != "aaaaaaaa" and len(stored) >= 22  # the server's own id from now on
