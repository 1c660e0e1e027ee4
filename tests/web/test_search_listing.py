"""The staff search's pure parts, without a server or a model: CSV cells and file, page maths, links,
sort keys, parameter checks and the 0件 hints (counted over the real plan)."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qsl, unquote

import pytest

from assistant.api.search_listing import (
    CSV_COLUMNS,
    FORMULA_STARTS,
    SearchParams,
    content_disposition,
    csv_bytes,
    csv_cell,
    csv_filename,
    drop_hints,
    paginate,
    parse_k,
    parse_page,
    parse_sort,
    reading_key,
    reading_of,
    sort_rows,
    year_key,
)
from assistant.retrieval.filters import matching_projects
from assistant.retrieval.types import Filters


def row(**values) -> dict:
    base = {
        "id": "H1-1/1/1",
        "kind_label": "主要事業",
        "name": "事業",
        "departments": ["広報広聴課"],
        "path_label": "H1 > H1-1",
        "span_label": "",
        "excerpt": "概要",
        "url": "/projects/H1-1/1/1",
    }
    return base | values


# --- CSV -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_formula_like_cells_get_an_apostrophe(start):
    assert csv_cell(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"


@pytest.mark.parametrize("text", ["○市民の利便性", "DX推進課", "令和7年度", "", "a=b", " =1"])
def test_ordinary_cells_are_unchanged(text):
    assert csv_cell(text) == text
    assert csv_cell(None) == ""


def test_csv_has_bom_header_crlf_and_neutralised_cells():
    hostile = '=HYPERLINK("http://example.invalid","x")'
    data = csv_bytes([row(name="-1+2", excerpt=hostile + "\n二行目"), row(id="H3", kind_label="施策")], "http://host/")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n", 1)[0] == ",".join(CSV_COLUMNS)
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == list(CSV_COLUMNS)
    assert len(records) == 3
    first = dict(zip(CSV_COLUMNS, records[1], strict=True))
    assert first["事業名"] == "'-1+2"
    assert first["抜粋"] == "'" + hostile + "\n二行目"  # the line break stays inside the quoted cell
    assert first["URL"] == "http://host/projects/H1-1/1/1"
    assert records[2][1] == "施策"


def test_csv_filename_is_safe_and_japanese():
    name = csv_filename('デジタル 化/"..\\*?', "20261201")
    assert name == "実施計画検索_デジタル_化.._20261201.csv"
    assert csv_filename("", "20261201") == "実施計画検索_20261201.csv"
    assert len(csv_filename("あ" * 200, "20261201")) == len("実施計画検索_") + 30 + len("_20261201.csv")


def test_content_disposition_has_ascii_fallback_and_utf8_name():
    header = content_disposition("実施計画検索_デジタル_20261201.csv")
    assert header.startswith('attachment; filename="plan-search.csv"; ')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii() and " " not in encoded and '"' not in encoded
    assert unquote(encoded) == "実施計画検索_デジタル_20261201.csv"
    assert 'filename="report_1.csv"' in content_disposition("report_1.csv")


# --- pages and links -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "page", "per_page", "expected"),
    [
        (0, 1, 10, (1, 1, 0, 0, False)),
        (16, 1, 5, (1, 4, 0, 5, False)),
        (16, 4, 5, (4, 4, 15, 16, False)),
        (16, 9, 5, (4, 4, 15, 16, True)),
        (20, 2, 10, (2, 2, 10, 20, False)),
        (21, 3, 10, (3, 3, 20, 21, False)),
    ],
)
def test_paginate(total, page, per_page, expected):
    p = paginate(total, page, per_page)
    assert (p.page, p.pages, p.start, p.end, p.clamped) == expected


def test_page_links_show_ends_and_neighbours_with_gaps():
    assert paginate(200, 10, 10).links() == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert paginate(50, 1, 10).links() == [1, 2, 3, 4, 5]
    assert paginate(70, 4, 10).links() == [1, 2, 3, 4, 5, 6, 7]
    assert paginate(5, 1, 10).links() == [1]


def test_links_keep_every_parameter_and_drop_defaults():
    params = SearchParams(
        query="デジタル 化", filters=Filters(department="DX推進課", year=2027), k=20, page=3, sort="year"
    )
    pairs = dict(parse_qsl(params.url().split("?", 1)[1]))
    assert pairs == {
        "q": "デジタル 化",
        "department": "DX推進課",
        "year": "2027",
        "sort": "year",
        "k": "20",
        "page": "3",
    }
    assert "page" not in params.url(page=1)
    assert "year=" not in params.url(year=None) and "department=" in params.url(year=None)
    assert params.url("/search.csv", page=None).startswith("/search.csv?q=")
    assert SearchParams().url() == "/search"
    assert SearchParams(query="x", sort="relevance", k=10).url() == "/search?q=x"


@pytest.mark.parametrize(
    ("parse", "raw", "value", "message", "invalid"),
    [
        (parse_k, "20", 20, False, False),
        (parse_k, " ", 10, False, False),
        (parse_k, "0", 10, True, True),
        (parse_k, "abc", 10, True, True),
        (parse_page, "3", 3, False, False),
        (parse_page, "-1", 1, True, False),  # a bad page shows page 1; the CSV (all pages) still works
        (parse_sort, "name", "name", False, False),
        (parse_sort, "score desc", "relevance", True, True),
    ],
)
def test_parameters_are_checked_with_a_message(parse, raw, value, message, invalid):
    params = SearchParams()
    assert parse(raw, params) == value
    assert bool(params.messages) is message
    assert params.invalid is invalid


# --- sorting -------------------------------------------------------------------------------------


def test_year_key_puts_undated_last():
    assert sorted([None, 2027, 2021, None, 2025], key=year_key) == [2021, 2025, 2027, None, None]


def test_sort_rows_by_year_and_name_keeps_ties_in_relevance_order():
    rows = [
        {"name": "ギ", "reading": "ギ", "start_fy": None},
        {"name": "カ", "reading": "カ", "start_fy": 2025},
        {"name": "ガ", "reading": "ガ", "start_fy": 2021},
        {"name": "キ", "reading": "キ", "start_fy": 2025},
    ]
    assert [r["name"] for r in sort_rows(rows, "name")] == ["カ", "ガ", "キ", "ギ"]
    assert [r["name"] for r in sort_rows(rows, "year")] == ["ガ", "カ", "キ", "ギ"]
    assert sort_rows(rows, "relevance") == rows


def test_readings_come_from_sudachi_without_symbols():
    from assistant.index.tokenizer import SudachiTokenizer

    tokenizer = SudachiTokenizer()
    assert reading_of(tokenizer.raw_morphemes("広報写真のデジタル化")) == "コウホウシャシンノデジタルカ"
    reading = reading_of(tokenizer.raw_morphemes("まちづくり活動推進事業 （自治会デジタル化支援事業）"))
    assert "キゴウ" not in reading and reading.startswith("マチヅクリ")
    names = ["広報写真のデジタル化", "アンケート事業", "市政モニター事業"]
    ordered = sorted(names, key=lambda n: reading_key(reading_of(tokenizer.raw_morphemes(n)), n))
    assert ordered == ["アンケート事業", "広報写真のデジタル化", "市政モニター事業"]  # ア, コ, シ


# --- 0件 hints -----------------------------------------------------------------------------------


def test_drop_hints_name_the_filter_and_its_count(plan):
    def count(filters: Filters) -> int:
        return len(matching_projects(plan, filters))

    params = SearchParams(filters=Filters(department="財政課", year=2021))
    assert count(params.filters) == 0
    hints = drop_hints(params, count, lambda code: code)
    by_label = {h["label"]: h for h in hints}
    assert by_label["所管課（財政課）"]["count"] == count(Filters(year=2021)) > 0
    assert by_label["年度（令和3年度）"]["count"] == count(Filters(department="財政課")) > 0
    assert by_label["所管課（財政課）"]["url"] == "/search?year=2021"
    # Without a query, dropping every filter would list nothing: not offered.
    assert "すべての絞り込み条件" not in by_label


def test_drop_hints_offer_dropping_all_filters_for_a_query():
    counts = {Filters(): 16, Filters(tag="新市役所創造"): 3}
    params = SearchParams(query="デジタル", filters=Filters(tag="新市役所創造", year=2029), sort="year")
    hints = drop_hints(params, lambda f: counts.get(f, 0), lambda code: code)
    assert [(h["label"], h["count"]) for h in hints] == [("年度（令和11年度）", 3), ("すべての絞り込み条件", 16)]
    assert dict(parse_qsl(hints[0]["url"].split("?", 1)[1])) == {"q": "デジタル", "tag": "新市役所創造", "sort": "year"}
    assert hints[1]["url"] == "/search?q=%E3%83%87%E3%82%B8%E3%82%BF%E3%83%AB&sort=year"
    assert drop_hints(SearchParams(query="x"), lambda f: 0, str) == []
