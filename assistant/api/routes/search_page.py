"""Staff search: ``/search`` (server-rendered, works without JavaScript) and ``/search.csv`` (its export).

A query ranks the whole plan once; the relevance floor (assistant/retrieval/floor.py) keeps the hits
that match, and the filters then narrow those, so a filter never turns padding into a match and the
0件 hint can count what dropping a filter would give without searching again. Without a query, the
filters list every matching project in plan order. Both pages share one result set: the page shows a
slice of it, the CSV all of it, in the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from assistant.api.deps import ServicesDep, SettingsDep
from assistant.api.routes.pages import _render, hit_url
from assistant.api.search_listing import (
    K_CHOICES,
    PLAN_ORDER_LABEL,
    SORT_LABELS,
    SearchParams,
    content_disposition,
    csv_bytes,
    csv_filename,
    drop_hints,
    paginate,
    parse_k,
    parse_page,
    parse_query,
    parse_sort,
    reading_of,
    sort_rows,
)
from assistant.api.templating import highlight_pieces, path_label, source_label
from assistant.corpus.models import Project
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import format_fiscal_year, format_span, years_in_text
from assistant.retrieval.filters import allowed_docs, matching_projects
from assistant.retrieval.floor import above_floor
from assistant.retrieval.types import Filters, Hit

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class RawParams:
    """The query string as sent: read as strings so bad values get a message, not a 422 page."""

    q: str | None = None
    department: str | None = None
    policy: str | None = None
    tag: str | None = None
    year: str | None = None
    k: str | None = None
    page: str | None = None
    sort: str | None = None


RawDep = Annotated[RawParams, Depends(RawParams)]


# --- routes --------------------------------------------------------------------------------------


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, raw: RawDep, services: ServicesDep, settings: SettingsDep) -> HTMLResponse:
    """Staff search: free text ranked by the retrieval stage, or the plan's projects under the filters."""
    params = read_params(services.plan, raw)
    return _search_html(request, services, settings, params)


@router.get("/search.csv")
def search_csv(request: Request, raw: RawDep, services: ServicesDep, settings: SettingsDep) -> Response:
    """The whole current result set (every page, same filters and order) as a CSV file for Excel."""
    params = read_params(services.plan, raw)
    if params.invalid:  # export nothing other than what was asked: show the page's message instead
        return _search_html(request, services, settings, params, status_code=400)
    rows = result_rows(services, params, result_set(services, params.query))
    filename = csv_filename(params.query, date.today().strftime("%Y%m%d"))
    return Response(
        csv_bytes(rows, str(request.base_url)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(filename)},
    )


def _search_html(request, services, settings, params: SearchParams, status_code: int = 200) -> HTMLResponse:
    plan: Plan = services.plan
    found = result_set(services, params.query) if params.searched else ResultSet(plan, None, None)
    rows = result_rows(services, params, found) if params.searched else []
    pagination = paginate(len(rows), params.page, params.k)
    if pagination.clamped and rows:
        params.messages.append(f"ページ「{params.page}」はありません（最後のページを表示しています）。")
    hints = []
    if params.searched and not rows:
        hints = drop_hints(params, found.count, plan_title(plan))
    current = replace(params, page=pagination.page)
    sort_label = dict(SORT_LABELS, relevance=SORT_LABELS["relevance"] if params.query else PLAN_ORDER_LABEL)
    return _render(
        request,
        settings,
        "search.html",
        status_code=status_code,
        query=params.query,
        filters=params.filters,
        params=current,
        k=params.k,
        k_choices=sorted({*K_CHOICES, params.k}),
        facets=_facets(plan, params.filters),
        results=rows[pagination.start : pagination.end],
        pagination=pagination,
        sorts=[
            {"value": key, "label": label, "url": current.url(sort=key, page=1)} for key, label in sort_label.items()
        ],
        sort_label=sort_label[params.sort],
        csv_url=current.url("/search.csv", page=None),
        hints=hints,
        searched=params.searched,
        took_ms=found.took_ms,
        messages=params.messages,
    )


# --- parameters ----------------------------------------------------------------------------------


def read_params(plan: Plan, raw: RawParams) -> SearchParams:
    params = SearchParams()
    params.query = parse_query(raw.q, params)
    params.filters = _filters(plan, raw, params)
    params.k = parse_k(raw.k, params)
    params.sort = parse_sort(raw.sort, params)
    params.page = parse_page(raw.page, params)
    return params


def _parse_year(raw: str, params: SearchParams) -> int | None:
    text = raw.strip()
    years = [int(text)] if text.isdecimal() else years_in_text(text)
    if len(years) == 1 and 1989 <= years[0] <= 2100:
        return years[0]
    params.messages.append(
        f"年度「{text}」は読み取れませんでした。"
        "2027 や 令和9年度 の形で指定してください（年度の絞り込みは外しています）。"
    )
    params.invalid = True
    return None


def _filters(plan: Plan, raw: RawParams, params: SearchParams) -> Filters:
    """Validated filters; unknown values are dropped with a message rather than silently matching nothing."""
    department = (raw.department or "").strip() or None
    policy = (raw.policy or "").strip() or None
    tag = (raw.tag or "").strip() or None
    problems = []
    if department and department not in plan.department_counts:
        problems.append(f"所管課「{department}」は計画にありません（所管課の絞り込みは外しています）。")
        department = None
    if policy and plan.node(policy) is None:
        problems.append(f"施策コード「{policy}」は計画にありません（施策の絞り込みは外しています）。")
        policy = None
    if tag and tag not in plan.tag_counts:
        problems.append(f"重点プロジェクト「{tag}」は計画にありません（重点プロジェクトの絞り込みは外しています）。")
        tag = None
    params.messages.extend(problems)
    params.invalid = params.invalid or bool(problems)
    fiscal_year = _parse_year(raw.year, params) if raw.year and raw.year.strip() else None
    return Filters(department=department, policy=policy, tag=tag, year=fiscal_year)


def plan_title(plan: Plan) -> Callable[[str], str]:
    def title(code: str) -> str:
        node = plan.node(code)
        return f"{code} {node.title}" if node is not None else code

    return title


# --- the result set ------------------------------------------------------------------------------


@dataclass
class ResultSet:
    """What a request matches before its filters: the query's hits above the floor (``None``: no query)."""

    plan: Plan
    matches: list[Hit] | None
    took_ms: float | None

    def hits(self, filters: Filters) -> list[Hit]:
        if self.matches is None:
            return [_project_hit(p) for p in matching_projects(self.plan, filters)]
        allowed = allowed_docs(self.plan, filters)
        return self.matches if allowed is None else [hit for hit in self.matches if hit.id in allowed]

    def count(self, filters: Filters) -> int:
        return len(self.hits(filters))


def result_set(services, query: str) -> ResultSet:
    """Every document of the plan ranked for ``query``, cut at the relevance floor (filters come after)."""
    plan: Plan = services.plan
    if not query:
        return ResultSet(plan, None, None)
    depth = len(plan.projects) + len(plan.policies) + len(plan.basic_policies)
    found = services.search(query, depth, Filters())
    return ResultSet(plan, above_floor(found.hits), found.took_ms)


def result_rows(services, params: SearchParams, found: ResultSet) -> list[dict]:
    """Every row of the result set under the filters, in the chosen order, titles highlighted."""
    runtime = services.runtime
    tokens = set(runtime.searcher.tokenizer(params.query)) if params.query else set()
    rows = []
    for hit in found.hits(params.filters):
        marks = runtime.searcher.highlights(hit.name, tokens) if tokens else ()
        rows.append(_row(found.plan, hit, marks, name_reading(runtime.tokenizer, hit.name)))
    return sort_rows(rows, params.sort)


@lru_cache(maxsize=4096)
def name_reading(tokenizer, name: str) -> str:
    """The katakana reading of a 事業名 (Sudachi), for sorting; names repeat on every request."""
    return reading_of(tokenizer.raw_morphemes(name))


def _project_hit(project: Project) -> Hit:
    return Hit(
        id=project.id,
        kind="project",
        name=project.name,
        departments=project.departments,
        path=project.path.to_dict(),
        excerpt=project.summary,
        score=0.0,
        source=project.source.to_dict(),
    )


def _row(plan: Plan, hit: Hit, title_highlights, reading: str) -> dict:
    project = plan.project(hit.id) if hit.kind == "project" else None
    starts = [entry.start_fy for entry in project.schedule] if project else []
    ends = [entry.end_fy for entry in project.schedule] if project else []
    span = format_span(min(starts), None if None in ends else max(ends)) if starts else ""
    return {
        "id": hit.id,
        "kind": hit.kind,
        "kind_label": "主要事業" if hit.kind == "project" else "施策",
        "name": hit.name,
        "name_pieces": highlight_pieces(hit.name, title_highlights),
        "reading": reading,
        "departments": list(hit.departments),
        "path_label": path_label(hit.path),
        "excerpt": hit.excerpt,
        "pieces": highlight_pieces(hit.excerpt, hit.highlights),
        "source_label": source_label(hit.source),
        "start_fy": min(starts) if starts else None,
        "span_label": span,
        "url": hit_url(hit.kind, hit.id),
    }


# --- facets (moved from pages.py) ----------------------------------------------------------------


def _count(plan: Plan, filters: Filters, facet: str, keys: Callable[[Project], list]) -> Counter:
    return Counter(key for p in matching_projects(plan, replace(filters, **{facet: None})) for key in keys(p))


def _facets(plan: Plan, filters: Filters) -> dict[str, list[dict]]:
    """Options of each filter select with counts under the *other* current filters (so choices stay visible)."""
    departments = _count(plan, filters, "department", lambda p: list(p.departments))
    policies = _count(plan, filters, "policy", lambda p: [p.basic_policy_code, p.policy_code])
    tags = _count(plan, filters, "tag", lambda p: list(p.tags))
    all_years = sorted(plan.year_counts)
    year_range = range(all_years[0], all_years[-1] + 1) if all_years else range(0)
    years = _count(plan, filters, "year", lambda p: [y for y in year_range if p.covers_year(y)])

    policy_options = []
    for basic in plan.basic_policies:
        policy_options.append(
            {"value": basic.code, "label": f"{basic.code} {basic.title}", "count": policies[basic.code], "level": 1}
        )
        for node in basic.policies:
            label = f"{node.code} {node.title}"
            policy_options.append({"value": node.code, "label": label, "count": policies[node.code], "level": 2})
    return {
        "department": [
            {"value": name, "label": name, "count": departments[name]}
            for name, _ in sorted(plan.department_counts.items(), key=lambda item: (-item[1], item[0]))
        ],
        "policy": policy_options,
        "tag": [{"value": t, "label": t, "count": tags[t]} for t, _ in plan.tag_counts.most_common()],
        "year": [{"value": y, "label": format_fiscal_year(y), "count": years[y]} for y in year_range],
    }
