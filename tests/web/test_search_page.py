"""Staff search on the live server, parsed as HTML: the true total and pages, the relevance floor, sort,
highlighted titles, the CSV export and the 0件 hints."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from assistant.api.search_listing import CSV_COLUMNS, reading_key, reading_of
from tests.web.html_tree import Node, parse

pytestmark = pytest.mark.slow

DIGITAL = "デジタル"


def get_doc(http, url: str, params: dict | None = None, status: int = 200) -> Node:
    response = http.get(url, params=params)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return parse(response.text)


def total(doc: Node) -> int:
    return int(doc.find(cls="results__count").attrs["data-count"])


def results(doc: Node) -> list[Node]:
    return doc.find_all("li", cls="result")


def result_ids(doc: Node) -> list[str]:
    return [r.find(cls="code").text for r in results(doc)]


def query_of(href: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(href).query))


def pager_links(doc: Node) -> dict[str, Node]:
    pager = doc.find("nav", cls="pager")
    assert pager is not None
    return {a.text.strip(): a for a in pager.find_all("a")}


def all_pages(http, params: dict) -> list[str]:
    """Result ids over every page, following the pager's 次へ links."""
    doc = get_doc(http, "/search", params)
    ids = result_ids(doc)
    while (nav := doc.find("nav", cls="pager")) and (step := nav.find("a", rel="next")):
        doc = get_doc(http, step.attrs["href"])
        ids += result_ids(doc)
    return ids


def csv_rows(http, params: dict) -> tuple[list[list[str]], dict]:
    response = http.get("/search.csv", params=params)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert records[0] == list(CSV_COLUMNS)
    return records[1:], response.headers


def test_the_count_is_the_total_and_pages_cover_it(http):
    doc = get_doc(http, "/search", {"q": DIGITAL, "k": "5"})
    n = total(doc)
    assert n > 5 and len(results(doc)) == 5
    assert doc.find(cls="results__range").text.startswith("1～5件目")
    links = pager_links(doc)
    assert links["1"].attrs.get("aria-current") == "page" and "前へ" not in links
    pages = -(-n // 5)
    last = get_doc(http, links[str(pages)].attrs["href"])
    assert len(results(last)) == n - 5 * (pages - 1)
    assert pager_links(last)[str(pages)].attrs.get("aria-current") == "page" and "次へ" not in pager_links(last)
    ids = all_pages(http, {"q": DIGITAL, "k": "5"})
    assert len(ids) == len(set(ids)) == n


def test_every_link_keeps_the_filters_sort_and_page_size(http):
    params = {"q": DIGITAL, "department": "DX推進課", "sort": "year", "k": "2"}
    doc = get_doc(http, "/search", params)
    assert total(doc) > 2
    hrefs = [a.attrs["href"] for a in doc.find("nav", cls="pager").find_all("a")]
    hrefs += [a.attrs["href"] for a in doc.find("nav", cls="sort-links").find_all("a")]
    hrefs.append(doc.find("a", cls="results__csv").attrs["href"])
    for href in hrefs:
        kept = query_of(href)
        for key in ("q", "department", "k"):
            assert kept[key] == params[key], href
    assert query_of(pager_links(doc)["2"].attrs["href"])["sort"] == "year"
    assert "page" not in query_of(doc.find("a", cls="results__csv").attrs["href"])
    # The form keeps the sort for a new query.
    assert doc.find("input", type="hidden", name="sort").attrs["value"] == "year"


def test_the_floor_leaves_out_padding(http, plan):
    doc = get_doc(http, "/search", {"q": DIGITAL, "k": "50"})
    shown = result_ids(doc)
    assert len(shown) == total(doc) < len(plan.projects) // 3
    named = [p.id for p in plan.projects if DIGITAL in p.name]
    assert set(named) <= set(shown), "every project named デジタル is a match"
    texts = {p.id: p.name + p.summary for p in plan.projects}
    saying = [doc_id for doc_id in shown if DIGITAL in texts.get(doc_id, "")]
    assert len(saying) >= 0.75 * len(shown)


def test_titles_mark_the_query_words(http):
    doc = get_doc(http, "/search", {"q": DIGITAL})
    marked = [r.find(cls="result__title").find("mark") for r in results(doc)]
    assert marked[0] is not None and marked[0].text == DIGITAL
    assert sum(m is not None for m in marked) >= 5
    listing = get_doc(http, "/search", {"department": "DX推進課"})
    assert all(r.find(cls="result__title").find("mark") is None for r in results(listing))


def test_titles_escape_plan_and_query_text(http):
    response = http.get("/search", params={"q": '"><script>alert(1)</script> デジタル'})
    assert response.status_code == 200 and "<script>alert(1)" not in response.text
    doc = parse(response.text)
    assert all(s.attrs.get("src") for s in doc.find_all("script"))
    assert results(doc)[0].find(cls="result__title").find("mark").text == DIGITAL


def test_sort_by_year_puts_the_earliest_start_first_and_undated_last(http):
    doc = get_doc(http, "/search", {"q": DIGITAL, "sort": "year", "k": "50"})
    starts = []
    for r in results(doc):
        years = r.find(cls="result__years")
        starts.append(int(re.search(r"（(\d{4})年度）", years.text).group(1)) if years else None)
    dated = [y for y in starts if y is not None]
    assert dated == sorted(dated) and len(dated) >= 3
    assert starts[: len(dated)] == dated, "undated rows come last"
    current = doc.find("nav", cls="sort-links").find("a", **{"aria-current": "true"})
    assert current.text == "年度順"
    assert set(result_ids(doc)) == set(result_ids(get_doc(http, "/search", {"q": DIGITAL, "k": "50"})))


def test_sort_by_name_follows_the_reading(http, plan):
    from assistant.index.tokenizer import SudachiTokenizer

    tokenizer = SudachiTokenizer()
    doc = get_doc(http, "/search", {"department": "広報広聴課", "sort": "name", "k": "50"})
    names = [r.find(cls="result__title").text for r in results(doc)]
    assert len(names) == plan.department_counts["広報広聴課"]
    assert names == sorted(names, key=lambda n: reading_key(reading_of(tokenizer.raw_morphemes(n)), n))
    assert names != [p.name for p in plan.projects if "広報広聴課" in p.departments]


@pytest.mark.parametrize(
    "params",
    [{"q": DIGITAL, "sort": "year"}, {"q": DIGITAL, "department": "DX推進課"}, {"tag": "新市役所創造", "sort": "name"}],
)
def test_csv_is_the_whole_result_set_in_page_order(http, params):
    rows, headers = csv_rows(http, params)
    page_ids = all_pages(http, params)
    assert [row[0] for row in rows] == page_ids
    assert all(row[7].startswith(str(http.base_url).rstrip("/") + "/") for row in rows)
    disposition = headers["content-disposition"]
    assert disposition.startswith('attachment; filename="plan-search.csv"; ')
    name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name.startswith("実施計画検索_") and name.endswith(".csv")
    if "q" in params:
        assert params["q"] in name


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": DIGITAL, "year": "abc"}, "年度「abc」"),
        ({"q": DIGITAL, "k": "9999"}, "表示件数"),
        ({"q": DIGITAL, "sort": "score"}, "並べ替え"),
        ({"department": "存在しない課"}, "所管課"),
    ],
)
def test_csv_with_bad_parameters_gives_the_pages_message(http, params, message):
    doc = get_doc(http, "/search.csv", params, status=400)
    assert message in doc.find(cls="notice").text


def test_zero_results_name_the_filter_to_drop(http):
    params = {"q": DIGITAL, "department": "財政課", "year": "2026"}
    doc = get_doc(http, "/search", params)
    assert total(doc) == 0 and not results(doc)
    hints = doc.find("ul", cls="drop-hints").find_all("a")
    assert hints, "at least one way out is offered"
    for hint in hints:
        label, count = re.fullmatch(r"(.+)を外すと(\d+)件", hint.text).groups()
        relaxed = get_doc(http, hint.attrs["href"])
        assert total(relaxed) == int(count) > 0, label
        assert query_of(hint.attrs["href"])["q"] == DIGITAL
    assert any(h.text.startswith("年度（令和8年度）") or h.text.startswith("所管課（財政課）") for h in hints)


def test_a_page_past_the_end_shows_the_last_one(http):
    doc = get_doc(http, "/search", {"q": DIGITAL, "page": "99"})
    assert "ページ「99」はありません" in doc.find(cls="notice").text
    links = pager_links(doc)
    last = max(int(label) for label in links if label.isdecimal())
    assert links[str(last)].attrs["aria-current"] == "page"
    doc = get_doc(http, "/search", {"q": DIGITAL, "page": "abc"})
    assert "ページ「abc」" in doc.find(cls="notice").text
    assert pager_links(doc)["1"].attrs["aria-current"] == "page"
