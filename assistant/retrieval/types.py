"""Hand-off objects of the retrieval stage: what a search asks (:class:`Filters`) and returns (:class:`Hit`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Filters:
    """Metadata filters applied before ranking. Empty fields do not filter."""

    department: str | None = None
    policy: str | None = None  # 基本施策 (H3) or 個別施策 (H3-3) code
    tag: str | None = None
    year: int | None = None  # fiscal year; a project matches if a schedule entry covers it
    kinds: tuple[str, ...] = ("project", "policy")
    ids: frozenset[str] | None = None  # only these documents (e.g. the previous answer's rows)

    def is_empty(self) -> bool:
        return not (self.department or self.policy or self.tag or self.year or self.ids is not None)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a project row or a policy node, with a verbatim excerpt to cite."""

    id: str
    kind: str  # "project" | "policy"
    name: str
    departments: tuple[str, ...]
    path: dict
    excerpt: str
    score: float
    source: dict
    chunk_id: str = ""
    highlights: tuple[tuple[int, int], ...] = ()
    lexical_rank: int | None = None
    dense_rank: int | None = None
    dense_score: float | None = None
    line_score: float | None = None  # similarity of its closest sentence (the coverage decision reads it)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "departments": list(self.departments),
            "path": self.path,
            "excerpt": self.excerpt,
            "score": round(self.score, 6),
            "source": self.source,
            "highlights": [list(h) for h in self.highlights],
        }


@dataclass(slots=True)
class SearchResults:
    """Ranked hits plus what the search did (for logs, evaluation and the not-found decision)."""

    query: str
    hits: list[Hit] = field(default_factory=list)
    took_ms: float = 0.0
    filters: Filters = field(default_factory=Filters)
    lexical_top: float = 0.0  # best BM25 score among allowed documents (0 when no query word is known)
