"""JSON API: chat, search, projects, facets, feedback."""

from __future__ import annotations

import re
import time
import unicodedata
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from assistant.answer.types import Reply, cited_rows
from assistant.api.deps import ServicesDep, SettingsDep
from assistant.api.schemas import (
    ChatRequest,
    ChatResponse,
    Facets,
    FacetValue,
    FeedbackRequest,
    FeedbackResponse,
    ProjectList,
    SearchResponse,
    error_responses,
)
from assistant.api.services import Services
from assistant.api.widget import STARTERS
from assistant.corpus.wareki import format_fiscal_year, years_in_text
from assistant.retrieval.filters import matching_projects
from assistant.retrieval.types import Filters

# Every route may answer 422 (validation) and 429 (rate limit, from the middleware); see schemas.error_responses.
router = APIRouter(prefix="/api", tags=["api"], responses=error_responses(422, 429))
# C0/C1 controls and line/paragraph separators break words like white space does.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Invisible format characters (zero-width, bidi controls, BOM) are dropped, so コール\u200bセンター stays one
# word; so are lone surrogates, which JSON may carry ("\ud800") but no UTF-8 consumer downstream (Sudachi,
# the model's tokenizer, SQLite) can encode.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]")
# Fiscal years the plan could ever mention; anything else is a typo, not a filter that silently matches nothing.
MIN_YEAR, MAX_YEAR = 1989, 2100
FEEDBACK_UNAVAILABLE = "ただいま評価を記録できません。しばらくしてから再度お試しください。"


def clean_text(text: str) -> str:
    """NFKC (half-width kana, full-width digits), invisible characters dropped, controls and runs of white
    space folded into one space."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))).split())


def _year(raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    years = years_in_text(text) or ([int(text)] if text.isdecimal() and len(text) <= 4 else [])
    if not years or not MIN_YEAR <= years[0] <= MAX_YEAR:
        raise HTTPException(422, "年度は 2027、2027年度、令和9年度 のいずれかの形で指定してください。")
    return years[0]


def _filters(department: str | None, policy: str | None, tag: str | None, year: str | None) -> Filters:
    return Filters(department=department or None, policy=policy or None, tag=tag or None, year=_year(year))


def answer_logged(request: Request, services: Services, message: str, session_id: str | None, channel: str) -> Reply:
    """Answer and record the (masked) question, as /api/chat and the no-JS call-center page both do."""
    started = time.perf_counter()
    reply = services.answer(message, session_id, channel)
    log = getattr(request.app.state, "question_log", None)
    if log is not None:
        # Written before the reply leaves, so feedback on it can never arrive first (it never raises).
        log.record_question(
            reply.message_id,
            reply.session_id,
            message,
            reply.answer_type,
            [c.id for c in reply.citations],
            (time.perf_counter() - started) * 1000,
            reply.lang,
        )
    return reply


@router.post("/chat", response_model=ChatResponse, responses=error_responses(413, 503))
def chat(body: ChatRequest, request: Request, services: ServicesDep, settings: SettingsDep):
    """Answer one question with cited plan excerpts; pass the returned session_id to follow up."""
    message = clean_text(body.message)
    if len(message) > settings.max_message_chars:
        raise HTTPException(422, f"質問が長すぎます。{settings.max_message_chars}文字以内でお願いします。")
    if not message:
        return ChatResponse(
            session_id=body.session_id or "",
            message_id="",
            answer="ご質問をどうぞ。例えば「コールセンターの担当課は？」のように入力してください。",
            answer_type="not_found",
            confidence="none",
            coverage="nothing",
            citations=[],
            handoff=None,
            suggestions=STARTERS["ja"],
        )
    reply = answer_logged(request, services, message, body.session_id, body.channel)
    return ChatResponse(
        session_id=reply.session_id,
        session_reset=reply.session_reset,
        message_id=reply.message_id,
        answer=reply.answer,
        answer_type=reply.answer_type,
        confidence=reply.confidence,
        coverage=reply.coverage,
        lang=reply.lang,
        citations=cited_rows(reply.citations),
        handoff=reply.handoff,
        suggestions=reply.suggestions,
        detail=reply.detail,
        choices=reply.choices,
    )


@router.get("/search", response_model=SearchResponse, responses=error_responses(503))
def search(
    services: ServicesDep,
    q: Annotated[str, Query(max_length=500)] = "",
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    department: str | None = None,
    policy: str | None = None,
    tag: str | None = None,
    year: str | None = None,
):
    """Hybrid search with metadata filters; excerpts are verbatim with highlight offsets."""
    query = clean_text(q)
    filters = _filters(department, policy, tag, year)
    if not query:
        raise HTTPException(422, "検索語を入力してください。")
    results = services.search(query, k=k, filters=filters)
    return {"query": query, "took_ms": round(results.took_ms, 2), "results": [h.to_dict() for h in results.hits]}


@router.get("/projects", response_model=ProjectList)
def list_projects(
    services: ServicesDep,
    department: str | None = None,
    policy: str | None = None,
    tag: str | None = None,
    year: str | None = None,
):
    """Every project matching the filters, in plan order."""
    projects = matching_projects(services.plan, _filters(department, policy, tag, year))
    return {"count": len(projects), "results": [p.to_dict() for p in projects]}


@router.get("/projects/{project_id:path}", responses=error_responses(404))
def get_project(project_id: str, services: ServicesDep) -> dict:
    """One project by id (e.g. H1-1/1/6)."""
    project = services.plan.project(project_id)
    if project is None:
        raise HTTPException(404, f"事業 {project_id} は見つかりません。")
    return project.to_dict()


@router.get("/facets", response_model=Facets)
def facets(services: ServicesDep):
    """Departments, policies, tags and fiscal years with project counts."""
    plan = services.plan
    policy_counts: dict[str, int] = {}
    for p in plan.projects:
        policy_counts[p.policy_code] = policy_counts.get(p.policy_code, 0) + 1
    return Facets(
        departments=[FacetValue(value=d, count=n) for d, n in plan.department_counts.most_common()],
        policies=[FacetValue(value=p.code, label=p.title, count=policy_counts.get(p.code, 0)) for p in plan.policies],
        tags=[FacetValue(value=t, count=n) for t, n in plan.tag_counts.most_common()],
        years=[FacetValue(value=y, label=format_fiscal_year(y), count=n) for y, n in sorted(plan.year_counts.items())],
    )


@router.post("/feedback", response_model=FeedbackResponse, status_code=201, responses=error_responses(404, 413, 503))
def feedback(body: FeedbackRequest, request: Request):
    """Record 役に立った / 役に立たなかった for one answer."""
    log = getattr(request.app.state, "question_log", None)
    if log is None:
        raise HTTPException(503, FEEDBACK_UNAVAILABLE, headers={"Retry-After": "60"})
    comment = clean_text(body.comment) if body.comment else None
    result = log.submit_feedback(body.message_id, body.session_id, body.helpful, comment)
    if result == "failed":  # the log cannot be written (full disk, read-only file): not the citizen's fault
        raise HTTPException(503, FEEDBACK_UNAVAILABLE, headers={"Retry-After": "60"})
    if result == "unknown":
        raise HTTPException(404, "評価の対象となる回答が見つかりません。")
    return {"ok": True}
