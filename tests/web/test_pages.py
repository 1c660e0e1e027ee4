"""Server-rendered pages on the live server, parsed as HTML: layout, escaping, facets, 404 and the widget asset."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.corpus.wareki import format_span
from tests.web.html_tree import Node, parse

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"
PAGES = ["/", "/callcenter", "/search", "/search?department=DX推進課", "/projects/H1-1/1/6", "/about"]


def get_html(http, url: str, status: int = 200) -> Node:
    response = http.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return parse(response.text)


def option_counts(doc: Node, name: str) -> dict[str, int]:
    select = doc.find("select", name=name)
    assert select is not None
    counts = {}
    for option in select.find_all("option"):
        if option.attrs.get("value"):
            counts[option.attrs["value"]] = int(option.text.rsplit("（", 1)[1].rstrip("）"))
    return counts


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def results(doc: Node) -> list[Node]:
    return doc.find_all("li", cls="result")


def total(doc: Node) -> int:
    """The whole result set's size (the page shows at most ``k`` of it)."""
    return int(doc.find(cls="results__count").attrs["data-count"])


@pytest.mark.parametrize("url", PAGES)
def test_layout_and_csp_friendly_markup(http, url):
    doc = get_html(http, url)
    html = doc.find("html")
    assert html.attrs["lang"] == "ja"
    assert doc.find("meta", name="viewport") is not None
    skip = doc.find("a", cls="skip-link")
    assert skip is not None and skip.attrs["href"] == "#main" and doc.find(id="main") is not None
    scripts = doc.find_all("script")
    # The citizen launcher is on every page but the operators' (it would cover their card).
    widget = ["/widget.js"] if not url.startswith("/callcenter") else []
    assert [s.attrs.get("src") for s in scripts if s.attrs.get("src") == "/widget.js"] == widget
    assert all(s.attrs.get("src") and not s.text.strip() for s in scripts), "no inline script bodies"
    assert not [n.tag for n in doc.iter() if "style" in n.attrs], "no inline style attributes"
    assert doc.find("style") is None
    assert "あじさいコール" in doc.find("footer").text


def test_about_page_names_the_model_and_its_licence(http):
    from assistant.embedding.catalogue import profile_of_folder
    from tests.realstack import MODEL_DIR

    profile = profile_of_folder(MODEL_DIR)
    doc = get_html(http, "/about")
    assert profile.model_id in doc.text
    links = {a.attrs.get("href"): a.text for a in doc.find_all("a")}
    assert links[profile.licence_url] == profile.licence
    if profile.notice:  # the Gemma terms are passed on with the Prohibited Use Policy
        assert "https://ai.google.dev/gemma/prohibited_use_policy" in links
    assert "e5-small" in doc.text  # the MIT alternative is named
    footer_links = [a.attrs.get("href") for a in doc.find("footer").find_all("a")]
    assert "/about" in footer_links


def test_widget_asset(http):
    response = http.get("/widget.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert "max-age" in response.headers["cache-control"]
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in response.text
    for asset in ("/static/widget.css", "/static/site.css", "/static/callcenter.js"):
        assert http.get(asset).status_code == 200


def test_search_escapes_query(http):
    response = http.get("/search", params={"q": XSS})
    assert response.status_code == 200
    assert XSS not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text
    doc = parse(response.text)
    assert doc.find("img") is None
    assert doc.find("input", name="q").attrs["value"] == XSS


def test_filters_without_query_list_plan_projects_in_order(http, plan):
    doc = get_html(http, "/search?department=DX推進課")
    found = results(doc)
    expected = [p for p in plan.projects if "DX推進課" in p.departments]
    assert len(found) == len(expected) == 10
    links = [r.find("a").attrs["href"] for r in found]
    assert links == [f"/projects/{p.id}" for p in expected]
    assert doc.find("select", name="department").find("option", selected="") is not None


def test_facet_counts_follow_the_other_filters(http, plan):
    doc = get_html(http, "/search")
    assert option_counts(doc, "department") == dict(plan.department_counts)
    assert option_counts(doc, "tag") == dict(plan.tag_counts)
    policies = option_counts(doc, "policy")
    assert policies["H1"] == sum(1 for p in plan.projects if p.basic_policy_code == "H1")
    assert policies["H3-3"] == sum(1 for p in plan.projects if p.policy_code == "H3-3")

    doc = get_html(http, "/search?tag=新市役所創造")
    tagged = [p for p in plan.projects if "新市役所創造" in p.tags]
    assert nonzero(option_counts(doc, "department")) == dict(Counter(d for p in tagged for d in p.departments))
    assert option_counts(doc, "tag")["新市役所創造"] == len(tagged)  # own facet ignores its own choice
    assert total(doc) == len(tagged) and len(results(doc)) == min(10, len(tagged))  # 10 a page
    year_counts = option_counts(doc, "year")
    assert year_counts["2025"] == sum(1 for p in tagged if p.covers_year(2025))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "年度「abc」"),
        ("k=-5&q=自治会", "表示件数"),
        ("k=9999&q=自治会", "表示件数"),
        ("department=存在しない課", "所管課"),
    ],
)
def test_bad_parameters_give_a_friendly_message(http, query, message):
    doc = get_html(http, "/search?" + query)
    notice = doc.find(cls="notice")
    assert notice is not None and message in notice.text


def test_year_accepts_wareki(http, plan):
    doc = get_html(http, "/search?year=令和9年度")
    selected = doc.find("select", name="year").find("option", selected="")
    assert selected.attrs["value"] == "2027" and "令和9年度（2027年度）" in selected.text
    assert total(doc) == sum(1 for p in plan.projects if p.covers_year(2027))


def test_keyword_results_mark_highlights(http):
    doc = get_html(http, "/search?q=自治会&k=5")
    found = results(doc)
    assert 1 <= len(found) <= 5
    assert any(r.find("mark") is not None for r in found)
    for r in found:
        assert r.find("a").attrs["href"].startswith(("/projects/", "/search?policy="))


def test_project_page_shows_the_whole_record(http, plan):
    project = next(p for p in plan.projects if p.schedule and p.tags)
    doc = get_html(http, f"/projects/{project.id}")
    text = doc.text
    assert doc.find("h1").text.strip() == project.name
    for value in (project.id, *project.departments, *project.tags, project.source.file):
        assert value in text
    assert f"{project.source.line_start}行目" in text
    for line in project.summary_lines:
        assert line in text
    for entry in project.schedule:
        assert format_span(entry.start_fy, entry.end_fy) in text
    hrefs = {a.attrs.get("href") for a in doc.find_all("a")}
    for neighbour in plan.neighbours(project):
        assert f"/projects/{neighbour.id}" in hrefs


def test_project_page_shows_the_year_mark(http, plan):
    project = next(p for p in plan.projects if p.year_mark)
    doc = get_html(http, f"/projects/{project.id}")
    row = next(div for div in doc.find("dl", cls="record").find_all("div") if "事業年度" in div.find("dt").text)
    assert project.year_mark in row.find("dd").text


def test_unknown_project_is_a_japanese_404(http):
    doc = get_html(http, "/projects/H9-9/9/9", status=404)
    assert doc.find("html").attrs["lang"] == "ja"
    assert "ページが見つかりません" in doc.find("h1").text
    assert "H9-9/9/9" in doc.text
    response = http.get("/projects/" + XSS)
    assert response.status_code == 404 and XSS not in response.text
