"""The staff search page's result set, apart from the web layer: parameters, sorting, pages, CSV, hints.

Everything here is plain data in and out (no request, no model), so it is tested without a server:
- :class:`SearchParams` holds validated query parameters and builds the links that keep them;
- :func:`sort_rows` orders rows by relevance, 事業名 (its reading) or 年度 (start of the schedule);
- :func:`paginate` does the page maths;
- :func:`csv_bytes` writes rows as Excel-safe CSV (UTF-8 with BOM, formula cells neutralised);
- :func:`drop_hints` says which filter to drop when nothing matches, with the count it would give.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import quote, urlencode

from assistant.corpus.wareki import format_fiscal_year
from assistant.retrieval.types import Filters

DEFAULT_K = 10
MAX_K = 50
K_CHOICES = (10, 20, 50)
MAX_QUERY_CHARS = 200
FACETS = ("department", "policy", "tag", "year")
FACET_LABELS = {"department": "所管課", "policy": "施策", "tag": "重点プロジェクト", "year": "年度"}
SORTS = ("relevance", "name", "year")
SORT_LABELS = {"relevance": "関連度順", "name": "事業名順", "year": "年度順"}
PLAN_ORDER_LABEL = "計画の順"  # what "relevance" means without a query
CSV_COLUMNS = ("ID", "種別", "事業名", "所管課", "施策", "年度", "抜粋", "URL")
# Cells a spreadsheet would read as a formula (OWASP CSV injection), plus their full-width forms, which
# Japanese spreadsheet software may also convert.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


@dataclass
class SearchParams:
    """Validated parameters of one /search request; ``messages`` explain anything dropped or changed."""

    query: str = ""
    filters: Filters = field(default_factory=Filters)
    k: int = DEFAULT_K
    page: int = 1
    sort: str = "relevance"
    messages: list[str] = field(default_factory=list)
    invalid: bool = False  # a parameter was dropped (the CSV export refuses rather than export something else)

    @property
    def searched(self) -> bool:
        return bool(self.query) or not self.filters.is_empty()

    def pairs(self, **changes) -> list[tuple[str, str]]:
        """Query-string pairs of these parameters (defaults left out), with ``changes`` applied.

        ``changes`` may set ``page``/``sort``/``k`` or clear a facet with ``department=None`` and so on.
        """
        values = {
            "q": self.query,
            **{facet: getattr(self.filters, facet) for facet in FACETS},
            "sort": self.sort,
            "k": self.k,
            "page": self.page,
        }
        values.update(changes)
        defaults = {"sort": "relevance", "k": DEFAULT_K, "page": 1}  # left out, so links stay short
        values.update({key: None for key, default in defaults.items() if values.get(key) == default})
        return [(key, str(value)) for key, value in values.items() if value not in (None, "")]

    def url(self, path: str = "/search", **changes) -> str:
        pairs = self.pairs(**changes)
        return f"{path}?{urlencode(pairs)}" if pairs else path


# --- parsing -------------------------------------------------------------------------------------


def parse_k(raw: str | None, params: SearchParams) -> int:
    if raw is None or not raw.strip():
        return DEFAULT_K
    text = raw.strip()
    if text.isdecimal() and 1 <= int(text) <= MAX_K:
        return int(text)
    params.messages.append(
        f"表示件数「{text}」は使えません。1～{MAX_K}の数で指定してください（{DEFAULT_K}件で表示しています）。"
    )
    params.invalid = True
    return DEFAULT_K


def parse_page(raw: str | None, params: SearchParams) -> int:
    if raw is None or not raw.strip():
        return 1
    text = raw.strip()
    if text.isdecimal() and 1 <= int(text) <= 10_000:
        return int(text)
    params.messages.append(f"ページ「{text}」は使えません（1ページ目を表示しています）。")
    return 1


def parse_sort(raw: str | None, params: SearchParams) -> str:
    text = (raw or "").strip()
    if not text or text in SORTS:
        return text or "relevance"
    names = "・".join(f"{key}（{label}）" for key, label in SORT_LABELS.items())
    params.messages.append(f"並べ替え「{text}」は使えません。{names}から選んでください（関連度順で表示しています）。")
    params.invalid = True
    return "relevance"


def parse_query(raw: str | None, params: SearchParams) -> str:
    query = (raw or "").strip()
    if len(query) > MAX_QUERY_CHARS:
        params.messages.append(f"検索語が長すぎるため、先頭の{MAX_QUERY_CHARS}文字で検索しました。")
        query = query[:MAX_QUERY_CHARS]
    return query


# --- sorting -------------------------------------------------------------------------------------


def reading_of(morphemes: Iterable) -> str:
    """The reading of Sudachi morphemes, without symbols and spaces (Sudachi reads 「（」 as キゴウ)."""
    return "".join(m.reading_form() for m in morphemes if m.part_of_speech()[0] not in ("補助記号", "空白"))


def reading_key(reading: str, name: str) -> tuple[str, str]:
    """Order of 事業名 by reading: katakana in code-point order is gojūon order (ガ right after カ);
    names whose reading is unknown (Latin words) come by their letters, and equal readings by name."""
    return (unicodedata.normalize("NFKC", reading).lower(), name)


def year_key(start_fy: int | None) -> tuple[int, int]:
    """Earliest start first; rows without a dated schedule (and policy nodes) last."""
    return (0, start_fy) if start_fy is not None else (1, 0)


def sort_rows(rows: Sequence[dict], sort: str) -> list[dict]:
    """Rows in the chosen order; equal keys keep the relevance (or plan) order they came in."""
    if sort == "name":
        return sorted(rows, key=lambda row: reading_key(row.get("reading") or row["name"], row["name"]))
    if sort == "year":
        return sorted(rows, key=lambda row: year_key(row.get("start_fy")))
    return list(rows)


# --- pages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pagination:
    """One page of ``total`` rows: 1-based ``page`` of ``pages``; rows ``start`` (0-based) to ``end``."""

    total: int
    per_page: int
    page: int
    pages: int
    start: int
    end: int
    clamped: bool  # the page asked for was past the last one

    def links(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and ``around`` either side of the current one;
        ``None`` stands for a gap (shown as …)."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in shown:
            if out and n - out[-1] == 2:
                out.append(n - 1)  # a gap of one page shows that page rather than …
            elif out and n - out[-1] > 2:
                out.append(None)
            out.append(n)
        return out


def paginate(total: int, page: int, per_page: int) -> Pagination:
    per_page = max(1, per_page)
    pages = max(1, -(-total // per_page))
    current = min(max(1, page), pages)
    start = (current - 1) * per_page
    return Pagination(total, per_page, current, pages, start, min(total, start + per_page), page > pages)


# --- CSV -----------------------------------------------------------------------------------------


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: Iterable[dict], base_url: str) -> bytes:
    """The rows as CSV with a header, CRLF line ends and a UTF-8 BOM (Excel reads UTF-8 only with it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            csv_cell(value)
            for value in (
                row["id"],
                row["kind_label"],
                row["name"],
                "、".join(row["departments"]),
                row["path_label"],
                row.get("span_label", ""),
                row["excerpt"],
                base_url.rstrip("/") + row["url"],
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_filename(query: str, today: str) -> str:
    """``実施計画検索_デジタル_20261201.csv``: the query made safe for a file name, at most 30 characters."""
    words = UNSAFE_FILENAME.sub("", "_".join(query.split()))[:30]
    return "_".join(part for part in ("実施計画検索", words, today) if part) + ".csv"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987 ``filename*``)."""
    # Old clients read only ``filename``: an ASCII name as is, else a generic one.
    fallback = filename if re.fullmatch(r"[A-Za-z0-9._-]+", filename) else "plan-search.csv"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- 0件 hints -----------------------------------------------------------------------------------


def facet_value_label(facet: str, filters: Filters, policy_title: Callable[[str], str]) -> str:
    value = getattr(filters, facet)
    if facet == "year":
        return format_fiscal_year(value).split("（")[0]
    if facet == "policy":
        return policy_title(value)
    return str(value)


def drop_hints(params: SearchParams, count: Callable[[Filters], int], policy_title: Callable[[str], str]) -> list[dict]:
    """Ways out of 0件: each active filter dropped alone, and (with two or more) all of them, with the
    number of results each would give; only those giving results are offered."""
    active = [facet for facet in FACETS if getattr(params.filters, facet) is not None]
    options: list[tuple[str, dict]] = []
    for facet in active:
        label = f"{FACET_LABELS[facet]}（{facet_value_label(facet, params.filters, policy_title)}）"
        options.append((label, {facet: None}))
    if len(active) >= 2:
        options.append(("すべての絞り込み条件", dict.fromkeys(active)))
    hints = []
    for label, cleared in options:
        relaxed = replace(params.filters, **cleared)
        if relaxed.is_empty() and not params.query:
            continue  # nothing left to list: the page would be empty, not a result
        n = count(relaxed)
        if n:
            hints.append({"label": label, "count": n, "url": params.url(page=1, **cleared)})
    return hints
