"""Staff search in the browser: choosing filters changes the server-rendered results."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow


def test_department_filter_lists_its_projects(page):
    page.goto("/search")
    expect(page.locator(".result")).to_have_count(0)
    page.get_by_label("所管課").select_option("DX推進課")
    page.get_by_role("button", name="この条件で表示").click()
    expect(page).to_have_url(re.compile("department="))
    expect(page.locator(".result")).to_have_count(10)
    expect(page.get_by_label("所管課")).to_have_value("DX推進課")

    page.get_by_label("施策（基本施策・個別施策）").select_option("H3-2")
    page.get_by_role("button", name="この条件で表示").click()
    expect(page.locator(".result")).to_have_count(2)
    page.locator(".result__title a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("デジタル化推進を担う職員の育成事業")


def test_keyword_search_highlights(page):
    page.goto("/search")
    page.get_by_label("キーワード").fill("自治会")
    page.get_by_label("キーワード").press("Enter")
    expect(page.locator(".result").first).to_be_visible()
    expect(page.locator(".result__excerpt mark").first).to_be_visible()
