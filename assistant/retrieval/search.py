"""Hybrid search: BM25 (Sudachi tokens) and dense (FAISS) rankings fused per document, with filters.

Both retrievers score chunks; a document (project row or policy node) takes its best chunk's score, the
two document rankings are fused (see fusion.py), and each hit gets the plan line that best matches the
question as its verbatim excerpt, with highlight offsets for the words the question shares with it.
"""

from __future__ import annotations

import time
import unicodedata
from collections import OrderedDict
from threading import Lock

import numpy as np

from assistant.corpus.plan import Plan
from assistant.embedding.encoder import Encoder
from assistant.index.store import LoadedIndex
from assistant.index.tokenizer import SudachiTokenizer
from assistant.retrieval.filters import allowed_docs
from assistant.retrieval.fusion import fuse
from assistant.retrieval.types import Filters, Hit, SearchResults

MODES = ("lexical", "dense", "hybrid")


class QueryCache:
    """Small thread-safe LRU of query embeddings keyed by normalised text."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, value: np.ndarray) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


def normalize_query(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


class HybridSearcher:
    """Search over a loaded index. Thread-safe: shared state is read-only apart from the cache."""

    def __init__(
        self,
        plan: Plan,
        index: LoadedIndex,
        encoder: Encoder,
        tokenizer: SudachiTokenizer,
        *,
        fusion: str = "rrf",
        rrf_k: int = 60,
        dense_weight: float = 0.5,
        dense_candidates: int = 200,
        cache_size: int = 2048,
    ) -> None:
        self.plan, self.index, self.encoder, self.tokenizer = plan, index, encoder, tokenizer
        self.fusion, self.rrf_k, self.dense_weight = fusion, rrf_k, dense_weight
        self.dense_candidates = dense_candidates
        self.cache = QueryCache(cache_size)
        # Plan lines are fixed for the index's life: tokenize each once, not on every request.
        self._line_tokens: dict[str, frozenset[str]] = {}
        self._doc_chunks: dict[str, list[int]] = {}
        for i, chunk in enumerate(index.chunks):
            self._doc_chunks.setdefault(chunk.doc_id, []).append(i)

    # --- scoring -----------------------------------------------------------------------------------

    def embed_query(self, query: str) -> np.ndarray:
        key = normalize_query(query)
        vector = self.cache.get(key)
        if vector is None:
            vector = self.encoder.encode_queries([query])[0]
            self.cache.put(key, vector)
        return vector

    def _chunk_subset(self, allowed: set[str] | None) -> np.ndarray | None:
        if allowed is None:
            return None
        return np.array([i for d in allowed for i in self._doc_chunks.get(d, [])], dtype=np.int64)

    def lexical_doc_scores(self, query: str, subset: np.ndarray | None) -> dict[str, float]:
        scores = self.index.lexical.scores(query)
        candidates = np.arange(len(scores)) if subset is None else subset
        docs: dict[str, float] = {}
        for i in candidates[scores[candidates] > 0]:
            doc = self.index.chunks[i].doc_id
            docs[doc] = max(docs.get(doc, 0.0), float(scores[i]))
        return docs

    def dense_doc_scores(self, vector: np.ndarray, subset: np.ndarray | None) -> dict[str, float]:
        k = self.dense_candidates if subset is None else min(self.dense_candidates, len(subset))
        if k == 0:
            return {}
        scores, ids = self.index.dense.search(vector, k, subset=subset)
        docs: dict[str, float] = {}
        for score, i in zip(scores[0], ids[0], strict=True):
            if i < 0:
                continue
            doc = self.index.chunks[i].doc_id
            docs[doc] = max(docs.get(doc, -1.0), float(score))
        return docs

    # --- search ------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        mode: str = "hybrid",
        vector: np.ndarray | None = None,
    ) -> SearchResults:
        """Top ``k`` documents for ``query`` under ``filters`` (mode: lexical, dense or hybrid)."""
        if mode not in MODES:
            raise ValueError(f"unknown retriever {mode!r} (use {', '.join(MODES)})")
        started = time.perf_counter()
        filters = filters or Filters()
        allowed = allowed_docs(self.plan, filters)
        subset = self._chunk_subset(allowed)
        lexical = self.lexical_doc_scores(query, subset)  # also feeds lexical_top for the not-found decision
        dense: dict[str, float] = {}
        if mode != "lexical":
            dense = self.dense_doc_scores(self.embed_query(query) if vector is None else vector, subset)
        if mode == "lexical":
            fused = dict(lexical)
        elif mode == "dense":
            fused = dense
        else:
            fused = fuse([lexical, dense], self.fusion, rrf_k=self.rrf_k, dense_weight=self.dense_weight)
        ranked = sorted(fused, key=lambda d: (-fused[d], d))[:k]
        lex_rank = {d: r for r, d in enumerate(sorted(lexical, key=lambda d: -lexical[d]), start=1)}
        dense_rank = {d: r for r, d in enumerate(sorted(dense, key=lambda d: -dense[d]), start=1)}
        query_tokens = set(self.tokenizer(query))
        hits = [
            self._hit(doc, fused[doc], query_tokens, lex_rank.get(doc), dense_rank.get(doc), dense.get(doc))
            for doc in ranked
        ]
        took = (time.perf_counter() - started) * 1000
        lexical_top = max(lexical.values(), default=0.0)
        return SearchResults(query=query, hits=hits, took_ms=took, filters=filters, lexical_top=lexical_top)

    # --- hits --------------------------------------------------------------------------------------

    def _hit(self, doc: str, score: float, query_tokens: set[str], lex_rank, dense_rank, dense_score) -> Hit:
        lines = [line for i in self._doc_chunks[doc] for line in self.index.chunks[i].lines]
        project = self.plan.project(doc)
        if project is not None:
            candidates = list(project.summary_lines) or [project.name]
            name, departments = project.name, project.departments
            path, source = project.path.to_dict(), project.source.to_dict()
        else:
            node = self.plan.node(doc)
            candidates = lines[1:] or lines
            name, departments = f"{node.code} {node.title}", ()
            path = self.plan.node_path(doc)
            source = node.source.to_dict()
        excerpt = self.best_line(candidates, query_tokens)
        return Hit(
            id=doc,
            kind="project" if project is not None else "policy",
            name=name,
            departments=tuple(departments),
            path=path,
            excerpt=excerpt,
            score=score,
            source=source,
            chunk_id=self.index.chunks[self._doc_chunks[doc][0]].chunk_id,
            highlights=tuple(self.highlights(excerpt, query_tokens)),
            lexical_rank=lex_rank,
            dense_rank=dense_rank,
            dense_score=dense_score,
        )

    def best_line(self, lines: list[str], query_tokens: set[str]) -> str:
        """The line sharing the most question words (earlier lines win ties: they state the purpose)."""
        best, best_score = lines[0], 0.0
        for position, line in enumerate(lines):
            tokens = self._line_tokens.get(line)
            if tokens is None:
                tokens = self._line_tokens[line] = frozenset(self.tokenizer(line))
            overlap = len(tokens & query_tokens)
            score = overlap - 0.01 * position
            if overlap and score > best_score:
                best, best_score = line, score
        return best

    def highlights(self, text: str, query_tokens: set[str]) -> list[tuple[int, int]]:
        """Character spans of ``text`` whose normalised token the question also contains."""
        if not query_tokens:
            return []
        spans = []
        for m in self.tokenizer.raw_morphemes(text):
            if m.normalized_form().lower() in query_tokens and m.part_of_speech()[0] in ("名詞", "動詞", "形容詞"):
                spans.append((m.begin(), m.end()))
        return spans
