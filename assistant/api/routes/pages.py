"""HTML pages: the demo city page, the call-center view, project records, /about and ``/widget.js``
(staff search is in search_page.py).

Every page is rendered server-side and works without JavaScript, except the chat widget. The call-center
view asks the JSON API when scripts run, and renders the same card here from ``?q=`` when they do not.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from assistant.api.cards import operator_card
from assistant.api.deps import ServicesDep, SettingsDep
from assistant.api.routes.api import answer_logged, clean_text
from assistant.api.templating import source_label, templates
from assistant.api.widget import widget_script
from assistant.corpus.models import Project
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import format_span
from assistant.settings import Settings

router = APIRouter(include_in_schema=False)


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
