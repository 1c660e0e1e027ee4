"""The call-center view: read-aloud card, copy to clipboard, hand-off, and the shift's question history."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow


def _ask(page, question: str) -> None:
    field = page.get_by_label("お問い合わせの内容")
    field.fill(question)
    field.press("Enter")
    expect(page.locator("#cc-status")).to_have_text("回答を表示しました。", timeout=30_000)


def test_answer_card_and_copy(new_page):
    page = new_page(clipboard=True)
    page.goto("/callcenter")
    _ask(page, "コールセンターの担当課は？")
    card = page.locator(".read-card")
    expect(card.get_by_role("heading", name="読み上げ用")).to_be_visible()
    answer = page.locator("#cc-answer").inner_text()
    assert "広報広聴課" in answer
    expect(page.locator("#cc-dept")).to_have_text("広報広聴課")
    expect(page.locator("#cc-name")).to_contain_text("コールセンター運営")
    expect(page.locator(".cc-citation .excerpt").first).not_to_be_empty()
    expect(page.locator(".cc-citation__source").first).to_contain_text("行目")

    page.get_by_role("button", name="コピー", exact=True).click()
    expect(page.locator("#cc-copy-status")).to_have_text("コピーしました")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert answer in copied
    assert "担当課：広報広聴課" in copied
    assert "事業名：" in copied and "コールセンター運営" in copied


def test_out_of_scope_call_names_the_scope_and_never_refers_to_the_call_center(page):
    # The operator *is* あじさいコール: the card says the call is outside the plan and links the directory.
    page.goto("/callcenter")
    _ask(page, "家の前の街灯が切れたままで夜道が暗いので、早く直してほしいという苦情です")
    handoff = page.locator("#cc-handoff")
    expect(handoff).to_be_visible()
    expect(handoff).to_contain_text("実施計画（第H章）の範囲外です")
    expect(page.locator("#cc-directory")).to_have_attribute("href", "https://www.city.nagasaki.lg.jp/")
    assert "095-822-8888" not in page.locator("#cc-result").inner_text()
    assert "あじさいコール" not in page.locator("#cc-answer").inner_text()
    expect(page.locator("#cc-dept")).to_contain_text("計画の範囲外")


def test_covered_answer_shows_no_refusal_card(page):
    page.goto("/callcenter")
    _ask(page, "ネーミングライツの担当はどこ？")
    expect(page.locator("#cc-handoff")).to_be_hidden()
    expect(page.locator("#cc-dept")).to_have_text("資産経営課")


def test_history_survives_reload_and_re_asks(page):
    page.goto("/callcenter")
    _ask(page, "DX推進課の事業を一覧で")
    history = page.locator("#cc-history .history-item")
    expect(history.first).to_have_text("DX推進課の事業を一覧で")
    page.reload()
    expect(page.locator("#cc-history .history-item").first).to_have_text("DX推進課の事業を一覧で")
    with page.expect_response(lambda r: r.url.endswith("/api/chat")):
        page.locator("#cc-history .history-item").first.click()
    expect(page.locator("#cc-dept")).to_contain_text("DX推進課")


def test_markup_is_text_and_errors_offer_retry(page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/callcenter")
    _ask(page, "<img src=x onerror=alert(1)>")
    page.wait_for_timeout(300)
    assert page.locator("main img").count() == 0
    assert dialogs == []

    page.route("**/api/chat", lambda route: route.fulfill(status=500, json={"detail": "down"}))
    page.get_by_label("お問い合わせの内容").fill("コールセンターの担当課は？")
    page.get_by_label("お問い合わせの内容").press("Enter")
    expect(page.locator("#cc-error")).to_contain_text("問題が発生しました")
    expect(page.get_by_role("button", name="再送信")).to_be_visible()


def test_without_javascript_the_form_gets_a_server_rendered_card(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto("/callcenter")
        field = page.get_by_label("お問い合わせの内容")
        field.fill("コールセンターの担当課は？")
        field.press("Enter")
        page.wait_for_url("**/callcenter?q=*")
        expect(page.locator("#cc-dept")).to_have_text("広報広聴課")
        expect(page.locator("#cc-answer")).to_contain_text("広報広聴課")
        expect(page.locator(".cc-citation")).to_have_count(1)  # one card per project, its lines inside
        expect(page.locator(".cc-citation .excerpt")).to_have_count(2)
        expect(page.locator("#cc-handoff")).to_be_hidden()

        page.goto("/callcenter?q=粗大ごみの出し方を教えて")
        expect(page.locator("#cc-handoff")).to_be_visible()
        expect(page.locator("#cc-handoff")).to_contain_text("実施計画（第H章）の範囲外です")
        expect(page.locator("#cc-dept")).to_have_text("—（計画の範囲外）")
        assert "8888" not in page.locator("#cc-result").inner_text()  # no self-referral
    finally:
        context.close()


def test_department_stays_above_the_fold_for_a_long_answer(page):
    page.goto("/callcenter")
    _ask(page, "DX推進課の事業を一覧で")
    dept = page.locator("#cc-dept").bounding_box()
    answer = page.locator("#cc-answer").bounding_box()
    assert dept and dept["y"] + dept["height"] <= 800
    assert answer and answer["y"] < 800
    assert len(page.locator("#cc-answer").inner_text()) <= 130  # short enough to read aloud


def test_keyboard_shortcuts_focus_copy_and_start_a_new_call(new_page):
    page = new_page(clipboard=True)
    page.goto("/callcenter")
    expect(page.locator("#cc-keys")).to_be_visible()
    _ask(page, "コールセンターの担当課は？")
    page.locator("h1").click()  # focus away from the box
    page.keyboard.press("Alt+KeyC")
    expect(page.locator("#cc-copy-status")).to_have_text("コピーしました")
    assert "担当課：広報広聴課" in page.evaluate("navigator.clipboard.readText()")
    page.keyboard.press("Alt+KeyN")
    expect(page.locator("#cc-result")).to_be_hidden()
    expect(page.get_by_label("お問い合わせの内容")).to_be_focused()
    expect(page.get_by_label("お問い合わせの内容")).to_have_value("")
    page.locator("h1").click()
    page.keyboard.press("Alt+KeyQ")
    expect(page.get_by_label("お問い合わせの内容")).to_be_focused()
