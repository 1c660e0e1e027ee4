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
from assistant.text import fold_spaces

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


def first_seen_max(groups: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``groups`` in the order they first appear, with the largest of their ``values``: what
    a loop filling ``best[g] = max(best.get(g), v)`` leaves (its insertion order breaks ties in ranks)."""
    if len(groups) == 0:
        return groups[:0], values[:0]
    order = np.argsort(groups, kind="stable")
    grouped = groups[order]
    starts = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
    best = np.maximum.reduceat(values[order], starts)
    first = np.argsort(order[starts], kind="stable")
    return grouped[starts][first], best[first]


class QueryCache(LRU[str, np.ndarray]):
    """LRU of query embeddings keyed by normalised text."""


normalize_query = fold_spaces  # cache keys of queries and questions (assistant/text.py)


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
        self._line_words: dict[str, tuple[tuple[str, int, int], ...]] = {}  # highlights: Sudachi ~0.4 ms a line
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
        # Documents as integers (in order of first chunk), so per-chunk work stays in numpy: at 100k
        # chunks a Python loop over BM25 matches, or a dict of every matched document, costs 50-100 ms.
        self._doc_names = np.array(list(dict.fromkeys(c.doc_id for c in index.chunks)), dtype=object)
        self._doc_number = {doc: n for n, doc in enumerate(self._doc_names.tolist())}
        self._chunk_doc = np.array([self._doc_number[c.doc_id] for c in index.chunks], dtype=np.int64)
        self._lexical_doc = self._chunk_doc[self._lexical_rows]  # lexical position → document number
        # build_chunks keeps a document's rows together, so ascending positions meet documents in order.
        self._lexical_grouped = bool(np.all(np.diff(self._lexical_doc) >= 0))

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
        """Ascending chunk indices of the allowed documents (``None``: no filter)."""
        if allowed is None:
            return None
        numbers = [n for n in map(self._doc_number.get, allowed) if n is not None]
        keep = np.zeros(len(self._doc_names), dtype=bool)
        keep[numbers] = True
        return np.flatnonzero(keep[self._chunk_doc])

    def lexical_doc_scores(self, query: str, subset: np.ndarray | None) -> dict[str, float]:
        """Best BM25 chunk score per document with a positive one, in order of its first such chunk."""
        return self._lexical_dict(*self._lexical_arrays(query, subset))

    def _lexical_dict(self, docs: np.ndarray, best: np.ndarray) -> dict[str, float]:
        return dict(zip(self._doc_names[docs].tolist(), best.tolist(), strict=True))

    def _lexical_arrays(self, query: str, subset: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """BM25 for ``query`` as (document numbers, best chunk score), see ``best_per_doc``."""
        return self.best_per_doc(self.index.lexical.scores(query), subset)

    def best_per_doc(self, scores: np.ndarray, subset: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Per document with a positive BM25 chunk score (within ``subset`` chunks): its number and best
        score, in the order its first positive chunk comes (among ``subset``, in the order given), which
        is the order the former Python loop inserted them and so the order ranks break ties in."""
        if subset is None:
            positions = np.flatnonzero(scores > 0)
            in_order = True
        else:
            positions = self._lexical_pos[subset]
            positions = positions[positions >= 0]
            positions = positions[scores[positions] > 0]
            in_order = bool(np.all(np.diff(positions) > 0))
        if len(positions) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=scores.dtype)
        docs = self._lexical_doc[positions]
        if not (in_order and self._lexical_grouped):
            return first_seen_max(docs, scores[positions])
        # Ascending positions over grouped rows: one run per document, already in order (no sort).
        starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
        return docs[starts], np.maximum.reduceat(scores[positions], starts)

    def dense_scores(self, vector: np.ndarray, subset: np.ndarray | None) -> DenseScores:
        """Row and sentence similarities, combined per document as the mean of the best of each.

        A document whose row (or sentence) is not among the candidates gets the lowest candidate score
        of that kind: the nearest-neighbour search guarantees its true score is no higher.
        """
        k = self.dense_candidates if subset is None else min(self.dense_candidates, len(subset))
        if k == 0:
            return DenseScores({}, {}, -1.0)
        scores, ids = self.index.dense.search(vector, k, subset=subset)
        found = ids[0] >= 0
        scores, ids = scores[0][found], ids[0][found]
        is_line = self._is_line[ids]
        by_line = dict(zip(ids[is_line].tolist(), scores[is_line].tolist(), strict=True))
        rows, lines = self._dense_best(ids[~is_line], scores[~is_line]), self._dense_best(ids[is_line], scores[is_line])
        row_floor = min(rows.values(), default=-1.0)
        line_floor = min(lines.values(), default=-1.0)
        docs = {}
        for doc in rows.keys() | lines.keys():
            row = rows.get(doc, row_floor)
            # A row without 事業概要 sentences has no sentence unit: its row stands for both.
            line = lines.get(doc, line_floor if doc in self._doc_lines else row)
            docs[doc] = (row + line) / 2
        return DenseScores(docs, by_line, line_floor)

    def _dense_best(self, ids: np.ndarray, scores: np.ndarray) -> dict[str, float]:
        """Best candidate similarity per document (at least -1), documents in candidate order: what the
        former loop over FAISS's candidates built, in numpy (it cost ~1.5 ms of 400 candidates)."""
        docs, best = first_seen_max(self._chunk_doc[ids], scores)
        return dict(zip(self._doc_names[docs].tolist(), np.maximum(best, -1.0).tolist(), strict=True))

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
        subset = self._chunk_subset(allowed_docs(self.plan, filters))
        # BM25 also feeds lexical_top, which the not-found decision uses.
        lex_docs, lex_best = self._lexical_arrays(self.lexical_query(query), subset)
        dense_parts = DenseScores({}, {}, -1.0)
        if mode != "lexical":
            dense_parts = self.dense_scores(
                self.embed_query(self.dense_query(query)) if vector is None else vector, subset
            )
        dense = dense_parts.docs
        fused = self._fused(query, mode, k, lex_docs, lex_best, dense)
        ranked = sorted(fused, key=lambda d: (-fused[d], d))[:k]
        lex_rank = self._lexical_ranks(ranked, lex_docs, lex_best)
        dense_rank = {d: r for r, d in enumerate(sorted(dense, key=lambda d: -dense[d]), start=1)}
        query_tokens = set(self.tokenizer(query))
        hits = [
            self._hit(doc, fused[doc], query_tokens, lex_rank.get(doc), dense_rank.get(doc), dense_parts)
            for doc in ranked
        ]
        took = (time.perf_counter() - started) * 1000
        lexical_top = float(lex_best.max()) if len(lex_best) else 0.0
        return SearchResults(query=query, hits=hits, took_ms=took, filters=filters, lexical_top=lexical_top)

    def _fused(self, query: str, mode: str, k: int, lex_docs, lex_best, dense: dict[str, float]) -> dict[str, float]:
        """Fused scores of every document that can reach the top ``k``, exactly as fusing all of them.

        BM25 matches most rows of a large corpus (70k of 100k chunks); a dict of all of them, fused and
        sorted in Python, cost more than the rest of a search. Only the documents that can still rank are
        handed to ``fuse``, with the same values; reciprocal rank fusion needs every rank, so it gets all.
        """
        if mode == "dense":
            return dense
        if mode == "lexical":
            keep = self._top_lexical(lex_best, np.arange(len(lex_best)), k)
            return self._lexical_dict(lex_docs[keep], lex_best[keep])
        weight = self.dense_weight if has_japanese(query) else self.dense_weight_foreign
        if self.fusion == "weighted":
            keep = self._weighted_candidates(lex_docs, lex_best, dense, k, 1.0 - weight)
            lex_docs, lex_best = lex_docs[keep], lex_best[keep]
        lexical = self._lexical_dict(lex_docs, lex_best)
        return fuse([lexical, dense], self.fusion, rrf_k=self.rrf_k, dense_weight=weight)

    @staticmethod
    def _top_lexical(values: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
        """The ``candidates`` whose value is at least the k-th best among them (ties kept: names break them)."""
        if len(candidates) <= k:
            return candidates
        chosen = values[candidates]
        return candidates[chosen >= np.partition(chosen, len(chosen) - k)[len(chosen) - k]]

    def _weighted_candidates(self, lex_docs, lex_best, dense: dict[str, float], k: int, weight: float) -> np.ndarray:
        """Ascending positions in the lexical arrays of what weighted fusion needs for an exact top ``k``.

        Documents the dense side scored are all kept. A lexical-only document's fused score is its
        normalised BM25 part alone (as ``weighted_fusion`` computes it), so only those at least the k-th
        best such part can rank. The lowest and highest scores stay, as they fix the normalisation.
        """
        if len(lex_best) == 0:
            return np.zeros(0, dtype=np.int64)
        low, high = float(lex_best.min()), float(lex_best.max())
        span = (high - low) or 1.0
        in_dense = self._doc_mask(dense)[lex_docs]
        only = self._top_by_part(lex_best, np.flatnonzero(~in_dense), k, lambda s: weight * (s - low) / span)
        ends = [int(np.argmin(lex_best)), int(np.argmax(lex_best))]
        return np.unique(np.concatenate([np.flatnonzero(in_dense), only, ends]))

    @staticmethod
    def _top_by_part(scores: np.ndarray, candidates: np.ndarray, k: int, part) -> np.ndarray:
        """The ``candidates`` whose ``part(score)`` is at least the k-th best (ties kept: names break them).

        ``part`` never decreases, so the k-th best part is the k-th best score's: the choice is made on
        the float32 scores, and every part is computed (float64, as Python would) only when a lower score
        reaches the same part (rounding, or a weight of 0).
        """
        if len(candidates) <= k:
            return candidates
        chosen = scores[candidates]
        kth = float(np.partition(chosen, len(chosen) - k)[len(chosen) - k])
        below = float(np.max(chosen, where=chosen < kth, initial=-np.inf))
        if below == -np.inf or part(below) < part(kth):
            return candidates[chosen >= kth]
        return candidates[part(chosen.astype(np.float64)) >= part(kth)]

    def _doc_mask(self, docs) -> np.ndarray:
        """True for each of ``docs`` in an array by document number (faster than np.isin)."""
        mask = np.zeros(len(self._doc_names), dtype=bool)
        mask[[self._doc_number[d] for d in docs]] = True
        return mask

    def _lexical_ranks(self, docs: list[str], lex_docs: np.ndarray, lex_best: np.ndarray) -> dict[str, int]:
        """BM25 rank of each of ``docs`` that matched: 1 + documents scoring higher + equal ones met first
        (the former stable sort of every matched document, without sorting them)."""
        wanted = {self._doc_number[d]: d for d in docs}
        ranks = {}
        for position in np.flatnonzero(self._doc_mask(docs)[lex_docs]).tolist():
            score = lex_best[position]
            ties_before = int(np.count_nonzero(lex_best[:position] == score))
            ranks[wanted[int(lex_docs[position])]] = 1 + int(np.count_nonzero(lex_best > score)) + ties_before
        return ranks

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
        excerpt = self.rank_lines(candidates, query_tokens, similarity)[0]
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
            line_score=max(similarity.values()) if similarity else None,
        )

    def line_tokens(self, line: str) -> frozenset[str]:
        """The tokens of a plan line, tokenized once for the index's life (Sudachi costs ~0.4 ms a line)."""
        tokens = self._line_tokens.get(line)
        if tokens is None:
            tokens = self._line_tokens[line] = frozenset(self.tokenizer(line))
        return tokens

    def line_similarity(self, query: str, doc: str) -> dict[str, float]:
        """Similarity of the query to each 事業概要 sentence of one document (exact, over its few units)."""
        units = self._doc_lines.get(doc)
        if not units:
            return {}
        scores = self.index.dense.similarities(self.embed_query(self.dense_query(query)), np.asarray(units))
        return {self.index.chunks[i].lines[0]: float(s) for i, s in zip(units, scores, strict=True)}

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
            overlap = len(self.line_tokens(line) & query_tokens)
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
        words = self._line_words.get(text)
        if words is None:
            words = self._line_words[text] = tuple(
                (m.normalized_form().lower(), m.begin(), m.end())
                for m in self.tokenizer.raw_morphemes(text)
                if m.part_of_speech()[0] in ("名詞", "動詞", "形容詞")
            )
        return [(begin, end) for form, begin, end in words if form in query_tokens]
