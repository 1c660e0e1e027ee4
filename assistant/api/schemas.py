"""Request and response models of the JSON API (they become the OpenAPI schema at /docs).

Every error the API sends (our 4xx/5xx, the middlewares' 413/429, validation failures) has the one shape
:class:`ErrorResponse`; :func:`error_responses` documents it per status so that the published schema
matches what clients actually receive (schemathesis checks that in tests/reliability).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ErrorItem(BaseModel):
    """One validation problem: where it is and what is wrong (the rejected value is never echoed)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong, in Japanese, for the person using the client")
    errors: list[ErrorItem] | None = Field(default=None, description="Validation problems (422 only)")


def error_responses(*codes: int) -> dict[int | str, dict]:
    """``responses=`` entries for these status codes, all with the :class:`ErrorResponse` body."""
    return {code: {"model": ErrorResponse, "description": ERROR_DESCRIPTIONS[code]} for code in codes}


ERROR_DESCRIPTIONS = {
    401: "管理用トークンがない、または正しくない",
    404: "見つからない（事業ID・評価対象の回答、または管理用トークン未設定の管理API）",
    413: "リクエスト本文が大きすぎる",
    422: "入力の形式が正しくない（JSON でない、型が違う、長すぎる、など）",
    429: "短時間に送られたリクエストが多すぎる（Retry-After 秒後に再試行）",
    503: "混み合っている、または準備中（Retry-After 秒後に再試行）",
}


class ChatRequest(BaseModel):
    message: str = Field(description="The question, as typed (Japanese or English)")
    session_id: str | None = Field(default=None, max_length=64, description="From the previous reply, if any")
    channel: Literal["citizen", "callcenter"] = Field(
        default="citizen",
        description="Who reads the answer: on 'callcenter' the operator is the hand-off, so a refusal names "
        "the plan's scope and the city's directory instead of the call center's number",
    )


class Handoff(BaseModel):
    name: str
    phone: str
    hours: str
    scope: str = Field(default="", description="What the assistant covers (said instead of a self-referral)")
    directory_label: str = Field(default="", description="The city's FAQ / department directory")
    directory_url: str = Field(default="", description="Link to it, shown on /callcenter")


class CitationOut(BaseModel):
    id: str
    kind: str
    name: str
    departments: list[str]
    path: dict
    path_label: str
    excerpt: str = Field(description="Verbatim substring of the plan text: the line that answers")
    excerpts: list[str] = Field(
        default_factory=list,
        description="Every cited line of this row (the first is excerpt), each a verbatim substring of the "
        "plan; a row is cited once, with all its lines",
    )
    source: dict
    url: str


class ChatResponse(BaseModel):
    session_id: str = Field(description="Issued by the server; send it back to follow up")
    session_reset: bool = Field(
        default=False,
        description="True when the request's session_id was not accepted (unknown, expired or malformed): "
        "session_id is a new one and the question was answered as a first question",
    )
    message_id: str
    answer: str = Field(
        description="Short first: the one sentence that answers (about 120 characters; read aloud on the call "
        "center, a phone bubble on the widget); plan text quoted in it is verbatim, the full lines are in citations."
    )
    answer_type: Literal["lookup", "who", "when", "list", "policy", "count", "not_found"]
    lang: Literal["ja", "en"] = Field(default="ja", description="Language of the answer (the question's)")
    confidence: Literal["high", "low", "none"]
    coverage: Literal["covered", "partly", "not_covered", "nothing"] = Field(
        default="covered",
        description="Does the plan cover the question? covered: answered; partly: the topic is near a plan row "
        "but the thing asked is not in the plan (the answer says so, then cites the row as related); "
        "not_covered: not in the plan (hand-off); nothing: nothing to look up (a greeting, stray keys), "
        "rephrase. answer_type is not_found for all but covered.",
    )
    citations: list[CitationOut]
    handoff: Handoff | None
    suggestions: list[str]
    detail: str = Field(
        default="",
        description="The longer form when the answer is a summary of it: every dated entry, the whole list with "
        "its places in the plan, related rows; empty when the answer is complete.",
    )
    choices: list[str] = Field(
        default_factory=list,
        description="When the best rows are too close to call, follow-up questions naming each (chips); the "
        "answer then says so in one line instead of committing to one row.",
    )


class HitOut(BaseModel):
    id: str
    kind: str
    name: str
    departments: list[str]
    path: dict
    excerpt: str
    score: float
    source: dict
    highlights: list[list[int]]


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    results: list[HitOut]


class ProjectList(BaseModel):
    count: int
    results: list[dict]


class FacetValue(BaseModel):
    value: str | int
    label: str | None = None
    count: int


class Facets(BaseModel):
    departments: list[FacetValue]
    policies: list[FacetValue]
    tags: list[FacetValue]
    years: list[FacetValue]


class FeedbackRequest(BaseModel):
    session_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    helpful: bool
    comment: str | None = Field(default=None, max_length=1000)


class FeedbackResponse(BaseModel):
    ok: bool


class ReadyResponse(BaseModel):
    ready: bool
    status: Literal["ok", "degraded", "down"] = Field(
        default="ok", description="degraded: answering, but a part such as the question log is failing (see reasons)"
    )
    reasons: list[str] | None = Field(default=None, description="What is degraded, when status is degraded")
    error: str | None = None
    index_built_at: str | None = None
    chunks: int | None = None
    model: str | None = None


class UnansweredGroup(BaseModel):
    representative: str
    count: int
    not_found_count: int
    unhelpful_count: int
    examples: list[str]
    answer_types: list[str]
    last_seen: str


class UnansweredReport(BaseModel):
    groups: list[UnansweredGroup]
