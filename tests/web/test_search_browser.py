"""Staff search in the browser, at phone (390×844) and desktop (1280×800) sizes: filters, the true total
and pages, sort, highlighted titles, the CSV download and the 0件 hints, all server-rendered."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assistant.api.search_listing import CSV_COLUMNS
from tests.web.helpers import scroll_width

pytestmark = pytest.mark.slow

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
DIGITAL = "デジタル"
HOSTILE = '=HYPERLINK("http://example.invalid","市営住宅の収入申告事務のデジタル化により、")'


@pytest.fixture(params=list(SIZES))
def sized(request, new_page) -> Page:
    width, height = SIZES[request.param]
    return new_page(width=width, height=height)


def search(page: Page, query: str, per_page: str | None = None) -> int:
    """Submit ``query`` from the form (Enter in the field) and return the total shown."""
    page.goto("/search")
    if per_page:
        page.get_by_label("表示件数").select_option(per_page)
    page.get_by_label("キーワード").fill(query)
    page.get_by_label("キーワード").press("Enter")
    expect(page.locator(".results__count")).to_be_visible()
    return shown_total(page)


def shown_total(page: Page) -> int:
    count = page.locator(".results__count")
    total = int(count.get_attribute("data-count"))
    expect(count).to_have_text(f"{total}件")
    return total


def no_sideways_scroll(page: Page) -> None:
    assert scroll_width(page) <= page.viewport_size["width"]


def read_download(page: Page, link_name: str) -> tuple[bytes, str]:
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(link_name)).click()
    download = info.value
    return Path(download.path()).read_bytes(), download.suggested_filename


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert records[0] == list(CSV_COLUMNS)
    return records[1:]


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


def test_total_pages_and_floor(sized):
    total = search(sized, DIGITAL, per_page="10")
    assert 10 < total < 33, "the floor keeps the matches, not the whole plan"
    expect(sized.locator(".result")).to_have_count(10)
    expect(sized.locator(".results__range")).to_contain_text("1～10件目")
    pager = sized.get_by_role("navigation", name="検索結果のページ")
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    if sized.viewport_size["width"] < 500:
        box = pager.get_by_role("link", name="次へ").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, "phone tap target"
    pager.get_by_role("link", name="次へ").click()
    expect(sized).to_have_url(re.compile(r"[?&]page=2(&|$)"))
    expect(sized).to_have_url(re.compile("q=%E3%83%87"))
    expect(pager.locator("[aria-current=page]")).to_have_text("2")
    expect(sized.locator(".result")).to_have_count(min(10, total - 10))
    expect(sized.locator(".result-list")).to_have_attribute("start", "11")
    assert shown_total(sized) == total
    no_sideways_scroll(sized)
    pager.get_by_role("link", name="1ページ目").click()
    expect(pager.locator("[aria-current=page]")).to_have_text("1")


def test_sort_by_year_and_the_form_keeps_it(sized):
    total = search(sized, DIGITAL, per_page="50")
    sorts = sized.get_by_role("navigation", name="並べ替え")
    expect(sorts.locator("[aria-current=true]")).to_have_text("関連度順")
    sorts.get_by_role("link", name="年度順").click()
    expect(sized).to_have_url(re.compile("sort=year"))
    expect(sorts.locator("[aria-current=true]")).to_have_text("年度順")
    assert shown_total(sized) == total
    labels = sized.locator(".result").evaluate_all(
        "items => items.map(li => (li.querySelector('.result__years') || {}).textContent || '')"
    )
    starts = [int(m.group(1)) if (m := re.search(r"（(\d{4})年度）", text)) else None for text in labels]
    dated = [y for y in starts if y is not None]
    assert dated and dated == sorted(dated) and starts[: len(dated)] == dated
    sized.get_by_label("キーワード").fill("自治会")
    sized.get_by_label("キーワード").press("Enter")
    expect(sized).to_have_url(re.compile("q=%E8%87%AA%E6%B2%BB%E4%BC%9A.*sort=year"))
    no_sideways_scroll(sized)


def test_titles_are_highlighted(sized):
    search(sized, DIGITAL)
    mark = sized.locator(".result__title mark").first
    expect(mark).to_be_visible()
    expect(mark).to_have_text(DIGITAL)
    assert sized.locator(".result__title mark").count() >= 5


def test_csv_download_is_the_shown_result_set(sized):
    total = search(sized, DIGITAL, per_page="10")
    first_page = sized.locator(".result .code").all_text_contents()
    data, filename = read_download(sized, "CSVで保存")
    rows = parse_csv(data)
    assert len(rows) == total > 10, "every page, not the one shown"
    assert [row[0] for row in rows[:10]] == first_page
    assert filename.startswith(f"実施計画検索_{DIGITAL}_") and filename.endswith(".csv")


def test_zero_results_offer_the_filter_to_drop(sized):
    sized.goto("/search?" + f"q={DIGITAL}&department=財政課&year=2026")
    expect(sized.get_by_text("条件に合う記載は見つかりませんでした。")).to_be_visible()
    assert shown_total(sized) == 0
    hint = sized.locator(".drop-hints a").first
    expect(hint).to_be_visible()
    label, count = re.fullmatch(r"(.+)を外すと(\d+)件", hint.text_content()).groups()
    hint.click()
    assert shown_total(sized) == int(count) > 0, label
    expect(sized.get_by_label("キーワード")).to_have_value(DIGITAL)
    no_sideways_scroll(sized)


# --- a plan row that reads like a spreadsheet formula --------------------------------------------


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A real server over a copy of the plan whose one 事業概要 starts with a formula (and its own index,
    built with the small e5 model so the extra build stays short)."""
    from assistant.corpus import load_plan
    from assistant.index.build import build_index
    from assistant.runtime import make_encoder, make_tokenizer
    from assistant.settings import Settings
    from tests.conftest import CORPUS_DIR
    from tests.realstack import PROFILE_DIRS, server_env, serving

    work = tmp_path_factory.mktemp("hostile")
    corpus = work / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    chapter = corpus / "nagasaki-plan-2025-chapter-H.txt"
    text = chapter.read_text(encoding="utf-8")
    row = "収入申告事務のデジタル化 【建築総務課】\t○市営住宅の収入申告事務のデジタル化により、"
    assert text.count(row) == 1
    chapter.write_text(text.replace(row, f"収入申告事務のデジタル化 【建築総務課】\t{HOSTILE}"), encoding="utf-8")
    model_dir = PROFILE_DIRS["e5-small"]
    if not (model_dir / "modules.json").is_file():
        pytest.fail(f"{model_dir} missing: run `scripts/setup.sh test`")
    settings = Settings(corpus_dir=corpus, model_dir=model_dir, index_dir=work / "index" / "current")
    build_index(load_plan(corpus), settings.index_dir, make_encoder(settings), make_tokenizer(settings))
    env = server_env(settings.index_dir, work, corpus_dir=corpus, model_dir=model_dir)
    with serving(work, env) as server:
        yield server.url


def test_csv_neutralises_a_formula_cell(sized, hostile_server):
    page = sized
    page.goto(hostile_server + "/search?department=建築総務課")
    expect(page.locator(".result__excerpt").first).to_contain_text("=HYPERLINK(")  # shown as text on the page
    total = shown_total(page)
    rows = parse_csv(read_download(page, "CSVで保存")[0])
    assert len(rows) == total
    excerpts = [dict(zip(CSV_COLUMNS, row, strict=True))["抜粋"] for row in rows]
    assert "'" + HOSTILE + "事務の効率化を図る。" in excerpts
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@"))]
