"""Request and response models of the JSON API (they become the OpenAPI schema at /docs)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ChatRequest(BaseModel):
    message: str = Field(description="The question, as typed (Japanese or English)")
    session_id: str | None = Field(default=None, max_length=64, description="From the previous reply, if any")


class Handoff(BaseModel):
    name: str
    phone: str
    hours: str


class CitationOut(BaseModel):
    id: str
    kind: str
    name: str
    departments: list[str]
    path: dict
    path_label: str
    excerpt: str = Field(description="Verbatim substring of the plan text")
    source: dict
    url: str


class ChatResponse(BaseModel):
    session_id: str
    message_id: str
    answer: str
    answer_type: str = Field(description="lookup | who | when | list | policy | count | not_found")
    confidence: str = Field(description="high | low | none")
    citations: list[CitationOut]
    handoff: Handoff | None
    suggestions: list[str]


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
