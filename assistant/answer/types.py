"""Hand-off objects of the answering stage: the understood question, citations and the reply."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answer.topics import TopicWord


@dataclass(frozen=True, slots=True)
class Question:
    """What was asked, as far as rules can tell without a generative model."""

    text: str
    lang: str  # "ja" | "en"
    intent: str  # "lookup" | "who" | "when" | "list" | "count" | "policy"
    departments: tuple[str, ...] = ()
    policy: str | None = None
    tags: tuple[str, ...] = ()  # every 重点プロジェクト named
    years: tuple[int, ...] = ()
    starts: bool = False  # 「令和8年度に始まる」: a year filter on start years only
    followup: bool = False  # refers back to the previous answer (a word such as それ, or nothing of its own)
    refers_back: bool = False  # a word that points back (それ・その中・that), not just an empty question
    topic_nouns: bool = False  # a noun of its own among content_tokens (「スマホ教室」), not just 「やる？」
    set_words: bool = False  # names a set to list (「事業」「もの」「projects」), not one thing about a row
    content_tokens: tuple[str, ...] = ()  # what is left once intent words and filters are removed
    named_projects: tuple[str, ...] = ()  # project ids whose exact name the question contains
    policy_level: str | None = None  # "basic" (基本施策) or "policy" (個別施策) when the question says which
    complete: bool = False  # asks for every item (「すべて」「一覧」): a list is never narrowed
    topic_words: tuple[TopicWord, ...] = ()  # meaning-carrying nouns once the frame is removed (coverage)


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


@dataclass(slots=True)
class Reply:
    """One answer of the assistant."""

    session_id: str
    message_id: str
    answer: str
    answer_type: str  # lookup | who | when | list | policy | count | not_found
    confidence: str  # high | low | none
    coverage: str = "covered"  # covered | partly | not_covered | nothing (assistant/answer/coverage.py)
    citations: list[Citation] = field(default_factory=list)
    handoff: dict | None = None
    suggestions: list[str] = field(default_factory=list)
    lang: str = "ja"
    project_ids: list[str] = field(default_factory=list)
