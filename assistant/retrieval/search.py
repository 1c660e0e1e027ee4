"""Hybrid search: BM25 (Sudachi tokens) and dense (FAISS) rankings fused per document, with filters.

BM25 scores row chunks; a document (project row or policy node) takes its best chunk's score. The dense
side scores rows and single sentences and takes the mean of a document's best of each (see
index/documents.py for why). The two document rankings are fused (fusion.py), and each hit gets the plan
line that best matches the question, by meaning, as its verbatim excerpt, with highlight offsets for the
words the question shares with it.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass

import numpy as np

from assistant.corpus.plan import Plan
from assistant.embedding.encoder import Encoder
from assistant.index.store import LoadedIndex
from assistant.index.tokenizer import SudachiTokenizer
from assistant.lru import LRU
from assistant.retrieval.filters import allowed_docs
from assistant.retrieval.fusion import fuse
from assistant.retrieval.synonyms import Thesaurus
from assistant.retrieval.types import Filters, Hit, SearchResults

MODES = ("lexical", "dense", "hybrid")
LINE_OVERLAP_BONUS = 0.01  # per shared question word, on the cosine scale (sentence cosines spread ~0.05)
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


_HIRAGANA_RUN = re.compile(r"[\u3041-\u3096ー]{3,}")
_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def with_katakana_variant(query: str) -> str:
    """The query plus its hiragana runs written in katakana, for BM25: people type 「すまほさろん」 for
    スマホサロン, and Sudachi only finds the loanword in katakana. Unmatched variants cost nothing."""
    runs = [run.translate(_TO_KATAKANA) for run in _HIRAGANA_RUN.findall(query)]
    return " ".join([query, *runs]) if runs else query


def has_japanese(text: str) -> bool:
    """True when the text holds kana or kanji (else BM25 over Japanese tokens has little to go on)."""
    return _JAPANESE.search(text) is not None


class QueryCache(LRU[str, np.ndarray]):
    """LRU of query embeddings keyed by normalised text."""


def normalize_query(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass(frozen=True, slots=True)
class DenseScores:
    """Dense similarities of one query: per document (row and sentence combined) and per sentence unit."""

    docs: dict[str, float]  # doc id → mean of its best row-chunk and best sentence similarity
    lines: dict[int, float]  # chunk index of a sentence unit → similarity (candidates only)
    line_floor: float  # an upper bound for sentences outside the candidates


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
        dense_weight_foreign: float | None = None,
        dense_candidates: int = 400,
        cache_size: int = 2048,
        thesaurus: Thesaurus | None = None,
    ) -> None:
        self.plan, self.index, self.encoder, self.tokenizer = plan, index, encoder, tokenizer
        self.fusion, self.rrf_k, self.dense_weight = fusion, rrf_k, dense_weight
        self.dense_weight_foreign = dense_weight if dense_weight_foreign is None else dense_weight_foreign
        self.dense_candidates = dense_candidates
        self.cache = QueryCache(cache_size)
        self.thesaurus = thesaurus  # everyday words → plan words (lexical_query, dense_query)
        # Plan lines are fixed for the index's life: tokenize each once, not on every request.
        self._line_tokens: dict[str, frozenset[str]] = {}
        self._doc_rows: dict[str, list[int]] = {}  # doc → chunk indices of its row chunks
        self._doc_lines: dict[str, list[int]] = {}  # doc → chunk indices of its sentence units
        self._is_line = np.array([c.scope == "line" for c in index.chunks], dtype=bool)
        # BM25 holds row chunks only, in chunk order: lexical position → chunk index and back.
        self._lexical_rows = np.flatnonzero(~self._is_line)
        self._lexical_pos = np.full(len(index.chunks), -1, dtype=np.int64)
        self._lexical_pos[self._lexical_rows] = np.arange(len(self._lexical_rows))
        for i, chunk in enumerate(index.chunks):
            target = self._doc_lines if chunk.scope == "line" else self._doc_rows
            target.setdefault(chunk.doc_id, []).append(i)

    # --- scoring -----------------------------------------------------------------------------------

    def lexical_query(self, query: str) -> str:
        """The query BM25 sees: a katakana copy of hiragana runs and the thesaurus's plan words added."""
        expanded = with_katakana_variant(query)
        extra = self.thesaurus.expand(query) if self.thesaurus is not None else ""
        return f"{expanded} {extra}" if extra else expanded

    def dense_query(self, query: str) -> str:
        """The text embedded for a query: as asked, but an English question also carries the thesaurus's
        Japanese words (「receivables ledger」 + 債権 未収金 台帳), anchors the multilingual model matches far
        better than the English alone. Japanese questions are embedded as asked (measured: no gain, and
        out-of-scope questions drew closer)."""
        if self.thesaurus is None or has_japanese(query):
            return query
        extra = self.thesaurus.expand(query)
        return f"{query} {extra}" if extra else query

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
        ids = [i for d in allowed for i in (*self._doc_rows.get(d, ()), *self._doc_lines.get(d, ()))]
        return np.array(sorted(ids), dtype=np.int64)

    def lexical_doc_scores(self, query: str, subset: np.ndarray | None) -> dict[str, float]:
        scores = self.index.lexical.scores(query)
        if subset is None:
            candidates = np.arange(len(scores))
        else:
            positions = self._lexical_pos[subset]
            candidates = positions[positions >= 0]
        docs: dict[str, float] = {}
        for pos in candidates[scores[candidates] > 0]:
            doc = self.index.chunks[self._lexical_rows[pos]].doc_id
            docs[doc] = max(docs.get(doc, 0.0), float(scores[pos]))
        return docs

    def dense_scores(self, vector: np.ndarray, subset: np.ndarray | None) -> DenseScores:
        """Row and sentence similarities, combined per document as the mean of the best of each.

        A document whose row (or sentence) is not among the candidates gets the lowest candidate score
        of that kind: the nearest-neighbour search guarantees its true score is no higher.
        """
        k = self.dense_candidates if subset is None else min(self.dense_candidates, len(subset))
        if k == 0:
            return DenseScores({}, {}, -1.0)
        scores, ids = self.index.dense.search(vector, k, subset=subset)
        rows: dict[str, float] = {}
        lines: dict[str, float] = {}
        by_line: dict[int, float] = {}
        for score, i in zip(scores[0], ids[0], strict=True):
            if i < 0:
                continue
            doc = self.index.chunks[i].doc_id
            if self._is_line[i]:
                by_line[int(i)] = float(score)
                lines[doc] = max(lines.get(doc, -1.0), float(score))
            else:
                rows[doc] = max(rows.get(doc, -1.0), float(score))
        row_floor = min(rows.values(), default=-1.0)
        line_floor = min(lines.values(), default=-1.0)
        docs = {}
        for doc in rows.keys() | lines.keys():
            row = rows.get(doc, row_floor)
            # A row without 事業概要 sentences has no sentence unit: its row stands for both.
            line = lines.get(doc, line_floor if doc in self._doc_lines else row)
            docs[doc] = (row + line) / 2
        return DenseScores(docs, by_line, line_floor)

    def dense_doc_scores(self, vector: np.ndarray, subset: np.ndarray | None) -> dict[str, float]:
        return self.dense_scores(vector, subset).docs

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
        # BM25 also feeds lexical_top, which the not-found decision uses.
        lexical = self.lexical_doc_scores(self.lexical_query(query), subset)
        dense_parts = DenseScores({}, {}, -1.0)
        if mode != "lexical":
            dense_parts = self.dense_scores(
                self.embed_query(self.dense_query(query)) if vector is None else vector, subset
            )
        dense = dense_parts.docs
        if mode == "lexical":
            fused = dict(lexical)
        elif mode == "dense":
            fused = dense
        else:
            weight = self.dense_weight if has_japanese(query) else self.dense_weight_foreign
            fused = fuse([lexical, dense], self.fusion, rrf_k=self.rrf_k, dense_weight=weight)
        ranked = sorted(fused, key=lambda d: (-fused[d], d))[:k]
        lex_rank = {d: r for r, d in enumerate(sorted(lexical, key=lambda d: -lexical[d]), start=1)}
        dense_rank = {d: r for r, d in enumerate(sorted(dense, key=lambda d: -dense[d]), start=1)}
        query_tokens = set(self.tokenizer(query))
        hits = [
            self._hit(doc, fused[doc], query_tokens, lex_rank.get(doc), dense_rank.get(doc), dense_parts)
            for doc in ranked
        ]
        took = (time.perf_counter() - started) * 1000
        lexical_top = max(lexical.values(), default=0.0)
        return SearchResults(query=query, hits=hits, took_ms=took, filters=filters, lexical_top=lexical_top)

    # --- hits --------------------------------------------------------------------------------------

    def _hit(self, doc: str, score: float, query_tokens: set[str], lex_rank, dense_rank, dense: DenseScores) -> Hit:
        project = self.plan.project(doc)
        if project is not None:
            candidates = list(project.summary_lines) or [project.name]
            name, departments = project.name, project.departments
            path, source = project.path.to_dict(), project.source.to_dict()
        else:
            node = self.plan.node(doc)
            lines = [line for i in self._doc_rows[doc] for line in self.index.chunks[i].lines]
            candidates = lines[1:] or lines
            name, departments = f"{node.code} {node.title}", ()
            path = self.plan.node_path(doc)
            source = node.source.to_dict()
        similarity = {}
        for i in self._doc_lines.get(doc, ()):
            similarity[self.index.chunks[i].lines[0]] = dense.lines.get(i, dense.line_floor)
        ranked_lines = self.rank_lines(candidates, query_tokens, similarity)
        excerpt = ranked_lines[0]
        return Hit(
            id=doc,
            kind="project" if project is not None else "policy",
            name=name,
            departments=tuple(departments),
            path=path,
            excerpt=excerpt,
            score=score,
            source=source,
            chunk_id=self.index.chunks[self._doc_rows[doc][0]].chunk_id,
            highlights=tuple(self.highlights(excerpt, query_tokens)),
            lexical_rank=lex_rank,
            dense_rank=dense_rank,
            dense_score=dense.docs.get(doc),
            runner_up=ranked_lines[1] if len(ranked_lines) > 1 else None,
        )

    def rank_lines(
        self, lines: list[str], query_tokens: set[str], similarity: dict[str, float] | None = None
    ) -> list[str]:
        """Lines in the order they answer the question: by meaning when sentence similarities are known,
        each shared question word adding a little (exact words are strong evidence); else by shared
        question words, earlier lines first (they state the purpose). Lines with no evidence come last,
        in plan order."""
        similarity = similarity or {}
        scored = []
        for position, line in enumerate(lines):
            tokens = self._line_tokens.get(line)
            if tokens is None:
                tokens = self._line_tokens[line] = frozenset(self.tokenizer(line))
            overlap = len(tokens & query_tokens)
            if similarity:
                score = similarity.get(line, -1.0) + LINE_OVERLAP_BONUS * overlap
            else:
                score = overlap - 0.01 * position if overlap else float("-inf")
            scored.append((-score, position, line))
        return [line for _, _, line in sorted(scored)]

    def highlights(self, text: str, query_tokens: set[str]) -> list[tuple[int, int]]:
        """Character spans of ``text`` whose normalised token the question also contains."""
        if not query_tokens:
            return []
        spans = []
        for m in self.tokenizer.raw_morphemes(text):
            if m.normalized_form().lower() in query_tokens and m.part_of_speech()[0] in ("名詞", "動詞", "形容詞"):
                spans.append((m.begin(), m.end()))
        return spans
