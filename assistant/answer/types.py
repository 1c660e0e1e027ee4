"""Hand-off objects of the answering stage: the understood question, citations and the reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from assistant.answer.topics import TopicWord

if TYPE_CHECKING:
    from assistant.corpus.models import BasicPolicy, Policy, Project

Intent = Literal["lookup", "who", "when", "list", "count", "policy"]
AnswerType = Literal["lookup", "who", "when", "list", "count", "policy", "not_found"]
Confidence = Literal["high", "low", "none"]
Coverage = Literal["covered", "partly", "not_covered", "nothing"]
# What a resolved answer states, one sentence frame each in compose.py.
Shape = Literal[
    "who", "who_list", "when", "lookup", "lookup_year", "list", "count", "policy", "none_in_year",
    "choices", "not_covered", "partly", "nothing",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Question:
    """What was asked, as far as rules can tell without a generative model."""

    text: str
    lang: str  # "ja" | "en"
    intent: Intent
    departments: tuple[str, ...] = ()
    policy: str | None = None
    tags: tuple[str, ...] = ()  # every 重点プロジェクト named
    years: tuple[int, ...] = ()
    starts: bool = False  # 「令和8年度に始まる」: a year filter on start years only
    since: bool = False  # 「いつから？」: asks when it began (the first dated entry answers)
    followup: bool = False  # refers back to the previous answer (a word such as それ, or nothing of its own)
    refers_back: bool = False  # a word that points back (それ・その中・that), not just an empty question
    topic_nouns: bool = False  # a noun of its own among content_tokens (「スマホ教室」), not just 「やる？」
    set_words: bool = False  # names a set to list (「事業」「もの」「projects」), not one thing about a row
    content_tokens: tuple[str, ...] = ()  # what is left once intent words and filters are removed
    named_projects: tuple[str, ...] = ()  # project ids whose exact name the question contains
    policy_level: str | None = None  # "basic" (基本施策) or "policy" (個別施策) when the question says which
    complete: bool = False  # asks for every item (「すべて」「一覧」): a list is never narrowed
    topic_words: tuple[TopicWord, ...] = ()  # meaning-carrying nouns once the frame is removed (coverage)
    asked: str = ""  # the message as typed; ``text`` is what is searched (dialect rewritten, dialect.py)


@dataclass(frozen=True, slots=True)
class Citation:
    """A verbatim plan excerpt with its place."""

    id: str
    kind: str
    name: str
    departments: tuple[str, ...]
    path: dict
    path_label: str
    excerpt: str
    source: dict

    @property
    def url(self) -> str:
        return f"/projects/{self.id}" if self.kind == "project" else f"/search?policy={self.id}"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "departments": list(self.departments),
            "path": self.path,
            "path_label": self.path_label,
            "excerpt": self.excerpt,
            "source": self.source,
            "url": self.url,
        }


def cited_rows(citations: list[Citation]) -> list[dict]:
    """One citation per plan row, as the API gives them: a row cited for its 所管課 cell and again for its
    summary is one card with both lines. ``excerpt`` stays the first (the line that answers); ``excerpts``
    has every cited line of the row, each verbatim, and ``source`` spans them."""
    rows: dict[tuple[str, str], dict] = {}
    for citation in citations:
        key = (citation.kind, citation.id)
        if key not in rows:
            rows[key] = citation.to_dict() | {"excerpts": [citation.excerpt], "source": dict(citation.source)}
            continue
        row = rows[key]
        if citation.excerpt not in row["excerpts"]:
            row["excerpts"].append(citation.excerpt)
        source, more = row["source"], citation.source
        if source.get("file") == more.get("file") and "line_start" in source and "line_start" in more:
            source["line_start"] = min(source["line_start"], more["line_start"])
            source["line_end"] = max(source.get("line_end") or source["line_start"], more.get("line_end") or 0)
    return list(rows.values())


@dataclass(slots=True)
class Reply:
    """One answer of the assistant."""

    session_id: str
    message_id: str
    answer: str  # short first: one sentence that answers, read aloud or shown in a phone bubble
    answer_type: AnswerType
    confidence: Confidence
    coverage: Coverage = "covered"  # assistant/answer/coverage.py
    citations: list[Citation] = field(default_factory=list)
    handoff: dict | None = None
    suggestions: list[str] = field(default_factory=list)
    lang: str = "ja"
    project_ids: list[str] = field(default_factory=list)
    detail: str = ""  # the longer form (every dated line, the whole list, related rows), "" when the same
    choices: list[str] = field(default_factory=list)  # when rows are too close to call: follow-up questions
    session_reset: bool = False  # the client's session_id was not accepted; session_id is a new one


@dataclass(frozen=True, slots=True)
class ListAbout:
    """What a list is of, for its heading: the facets it selects, a 取組方針, the previous answer's rows
    (in a year), or the question's own words."""

    kind: Literal["facets", "approach", "previous", "previous_year", "matching", "query", "who_previous"]
    departments: tuple[str, ...] = ()  # one, or several read as "any of them"
    policy: str | None = None
    tags: tuple[str, ...] = ()
    year: int | None = None
    starts: bool = False
    narrowed: bool = False  # the facets' set, narrowed by the question's other words
    text: str = ""  # the question (kind "query")


@dataclass(slots=True)
class Resolved:
    """What the plan says in answer, before any sentence is written: the rows or node, the verbatim
    evidence lines per row, and how sure the assistant is. compose.py turns it into a reply."""

    shape: Shape
    projects: list[Project] = field(default_factory=list)
    node: BasicPolicy | Policy | None = None
    evidence: dict[str, list[str]] = field(default_factory=dict)  # project id → verbatim lines, best first
    about: ListAbout | None = None
    years: tuple[int, ...] = ()
    confidence: Confidence = "high"
    coverage: Coverage = "covered"
    missing: tuple[str, ...] = ()  # partly: what the plan does not state (「金額」)
    related: list[tuple[Project, str]] = field(default_factory=list)  # close runners-up with their line
    guessed: bool = False  # a guess (low confidence search, a policy instead of a row): said so first
    focus: tuple[str, ...] = ()  # words a long quoted line is cut around: the question's topic words
    ids: list[str] | None = None  # the rows a follow-up refers to, when not ``projects`` (a policy's rows)
