"""HTML pages: the demo city page, the call-center view, staff search, project records and ``/widget.js``.

Every page is rendered server-side and works without JavaScript except the chat widget and the
call-center view, which call the JSON API. Query parameters are read as strings and validated here,
so a bad ``year`` or ``k`` gives a friendly message instead of a 422 page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from assistant.api.cards import operator_card
from assistant.api.deps import ServicesDep, SettingsDep
from assistant.api.routes.api import answer_logged, clean_text
from assistant.api.templating import highlight_pieces, path_label, source_label, templates
from assistant.api.widget import widget_script
from assistant.corpus.models import Project
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import format_fiscal_year, format_span, years_in_text
from assistant.retrieval.filters import matching_projects
from assistant.retrieval.types import Filters
from assistant.settings import Settings

router = APIRouter(include_in_schema=False)

DEFAULT_K = 10
MAX_K = 50
K_CHOICES = (10, 20, 50)
MAX_QUERY_CHARS = 200
FACETS = ("department", "policy", "tag", "year")


def _render(request: Request, settings: Settings, name: str, status_code: int = 200, **context) -> HTMLResponse:
    context.setdefault("handoff", settings.handoff)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def not_found_page(request: Request, settings: Settings, message: str | None = None) -> HTMLResponse:
    """The Japanese 404 page (the app may also use it for unknown non-API paths)."""
    return _render(request, settings, "404.html", status_code=404, message=message)


def project_url(project_id: str) -> str:
    return "/projects/" + quote(project_id, safe="/-")


def hit_url(kind: str, item_id: str) -> str:
    """Projects link to their page; policy nodes to the search page filtered by that policy."""
    if kind == "project":
        return project_url(item_id)
    return "/search?" + urlencode({"policy": item_id})


# --- pages ---------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def index(request: Request, services: ServicesDep, settings: SettingsDep) -> HTMLResponse:
    """Demo city page with the chat widget embedded by its one script tag."""
    plan: Plan = services.plan
    return _render(
        request, settings, "index.html", basic_policies=plan.basic_policies, project_count=len(plan.projects)
    )


@router.get("/about", response_class=HTMLResponse)
def about(request: Request, settings: SettingsDep) -> HTMLResponse:
    """What answers are based on, and the embedding model's licence (the Gemma terms must be passed on)."""
    from assistant.embedding.catalogue import profile_of_folder

    profile = profile_of_folder(settings.model_dir)
    model = profile.to_dict() | {"notice": profile.notice} if profile else {
        "model_id": settings.model_dir.name, "licence": "モデルに添付のライセンスをご確認ください", "licence_url": ""
    }  # fmt: skip
    return _render(request, settings, "about.html", model=model, retention_days=settings.log_retention_days)


@router.get("/callcenter", response_class=HTMLResponse)
def callcenter(request: Request, services: ServicesDep, settings: SettingsDep, q: str | None = None) -> HTMLResponse:
    """あじさいコール operators' view: ask, read the answer aloud, copy it. With JavaScript the page asks
    /api/chat; without it the form is a GET and the answer card is rendered here (as /search is)."""
    query = clean_text(q or "")[: settings.max_message_chars]
    card = operator_card(answer_logged(request, services, query, None, "callcenter")) if query else None
    return _render(request, settings, "callcenter.html", query=query, card=card)


@router.get("/widget.js")
def widget_js(settings: SettingsDep) -> Response:
    """The embeddable chat widget: ``<script src="https://HOST/widget.js" defer></script>``."""
    return Response(
        widget_script(settings),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/projects/{project_id:path}", response_class=HTMLResponse)
def project_page(request: Request, project_id: str, services: ServicesDep, settings: SettingsDep) -> HTMLResponse:
    """One 主要事業 with every field and the other projects of its 取組方針."""
    plan: Plan = services.plan
    project = plan.project(project_id.strip("/"))
    if project is None:
        return not_found_page(request, settings, f"事業ID「{project_id}」は計画に見つかりませんでした。")
    schedule = [
        {**entry.to_dict(), "span_label": format_span(entry.start_fy, entry.end_fy)} for entry in project.schedule
    ]
    neighbours = [
        {"id": p.id, "name": p.name, "departments": p.departments, "url": project_url(p.id)}
        for p in plan.neighbours(project)
    ]
    return _render(
        request,
        settings,
        "project.html",
        project=project.to_dict(),
        schedule=schedule,
        path_text=project.path.label(),
        source_text=source_label(project.source.to_dict()),
        neighbours=neighbours,
        search_links=_path_links(project),
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    services: ServicesDep,
    settings: SettingsDep,
    q: str | None = None,
    department: str | None = None,
    policy: str | None = None,
    tag: str | None = None,
    year: str | None = None,
    k: str | None = None,
) -> HTMLResponse:
    """Staff search: free text ranked by the retrieval stage, or the plan's projects under the filters."""
    plan: Plan = services.plan
    messages: list[str] = []
    query = (q or "").strip()
    if len(query) > MAX_QUERY_CHARS:
        messages.append(f"検索語が長すぎるため、先頭の{MAX_QUERY_CHARS}文字で検索しました。")
        query = query[:MAX_QUERY_CHARS]
    filters = _filters(plan, department, policy, tag, year, messages)
    limit = _parse_k(k, messages)

    results: list[dict] = []
    took_ms: float | None = None
    searched = bool(query) or not filters.is_empty()
    if query:
        found = services.search(query, limit, filters)
        took_ms = found.took_ms
        results = [_result_view(hit.to_dict()) for hit in found.hits]
    elif searched:
        results = [_project_view(p) for p in matching_projects(plan, filters)]

    return _render(
        request,
        settings,
        "search.html",
        query=query,
        filters=filters,
        k=limit,
        k_choices=sorted({*K_CHOICES, limit}),
        facets=_facets(plan, filters),
        results=results,
        searched=searched,
        took_ms=took_ms,
        messages=messages,
    )


# --- search helpers ------------------------------------------------------------------------------


def _path_links(project: Project) -> list[dict]:
    path = project.path
    return [
        {
            "label": f"{path.basic_policy_code} {path.basic_policy_title}",
            "url": hit_url("policy", path.basic_policy_code),
        },
        {"label": f"{path.policy_code} {path.policy_title}", "url": hit_url("policy", path.policy_code)},
        {"label": f"取組方針{path.approach_number} {path.approach_title}", "url": None},
    ]


def _parse_k(raw: str | None, messages: list[str]) -> int:
    if raw is None or not raw.strip():
        return DEFAULT_K
    text = raw.strip()
    if text.isdecimal() and 1 <= int(text) <= MAX_K:
        return int(text)
    messages.append(
        f"表示件数「{text}」は使えません。1～{MAX_K}の数で指定してください（{DEFAULT_K}件で表示しています）。"
    )
    return DEFAULT_K


def _parse_year(raw: str, messages: list[str]) -> int | None:
    text = raw.strip()
    years = [int(text)] if text.isdecimal() else years_in_text(text)
    if len(years) == 1 and 1989 <= years[0] <= 2100:
        return years[0]
    messages.append(
        f"年度「{text}」は読み取れませんでした。"
        "2027 や 令和9年度 の形で指定してください（年度の絞り込みは外しています）。"
    )
    return None


def _filters(
    plan: Plan,
    department: str | None,
    policy: str | None,
    tag: str | None,
    year: str | None,
    messages: list[str],
) -> Filters:
    """Validated filters; unknown values are dropped with a message rather than silently matching nothing."""
    department = (department or "").strip() or None
    policy = (policy or "").strip() or None
    tag = (tag or "").strip() or None
    if department and department not in plan.department_counts:
        messages.append(f"所管課「{department}」は計画にありません（所管課の絞り込みは外しています）。")
        department = None
    if policy and plan.node(policy) is None:
        messages.append(f"施策コード「{policy}」は計画にありません（施策の絞り込みは外しています）。")
        policy = None
    if tag and tag not in plan.tag_counts:
        messages.append(f"重点プロジェクト「{tag}」は計画にありません（重点プロジェクトの絞り込みは外しています）。")
        tag = None
    fiscal_year = _parse_year(year, messages) if year and year.strip() else None
    return Filters(department=department, policy=policy, tag=tag, year=fiscal_year)


def _without(filters: Filters, facet: str) -> Filters:
    """The filters with one facet cleared (that facet's own option counts ignore its current choice)."""
    return replace(filters, **{facet: None})


def _count(plan: Plan, filters: Filters, facet: str, keys: Callable[[Project], list]) -> Counter:
    return Counter(key for p in matching_projects(plan, _without(filters, facet)) for key in keys(p))


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


def _result_view(hit: dict) -> dict:
    kind = hit.get("kind", "project")
    excerpt = hit.get("excerpt", "")
    return {
        "id": hit["id"],
        "kind": kind,
        "kind_label": "主要事業" if kind == "project" else "施策",
        "name": hit.get("name", ""),
        "departments": hit.get("departments") or [],
        "path_label": path_label(hit.get("path")),
        "pieces": highlight_pieces(excerpt, hit.get("highlights")),
        "source_label": source_label(hit.get("source")),
        "url": hit_url(kind, hit["id"]),
    }


def _project_view(project: Project) -> dict:
    return _result_view(
        {
            "id": project.id,
            "kind": "project",
            "name": project.name,
            "departments": list(project.departments),
            "path": project.path.to_dict(),
            "excerpt": project.summary,
            "source": project.source.to_dict(),
        }
    )
