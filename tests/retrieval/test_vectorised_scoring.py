"""The searcher's numpy scoring gives exactly what plain Python loops give (the code it replaced).

Fast: a synthetic index (stand-in BM25 scores full of ties and zeros, real FAISS ``Flat`` over random
vectors, a whitespace tokenizer), both chunk layouts (a document's rows together, as build_chunks writes
them, and interleaved), with and without a filter subset, in every mode and fusion.
"""

from __future__ import annotations

import random
import zlib
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.index.dense import DenseIndex
from assistant.index.documents import Chunk
from assistant.index.store import LoadedIndex
from assistant.retrieval.fusion import fuse
from assistant.retrieval.search import HybridSearcher
from assistant.retrieval.types import Filters

N_DOCS, DIM = 150, 16
QUERIES = [f"事業 {i}" for i in range(12)]


class Words:
    """Whitespace tokens; no morphemes (no highlights)."""

    def __call__(self, text: str) -> list[str]:
        return text.split()

    def raw_morphemes(self, text: str) -> list:
        return []


class StubLexical:
    """BM25 stand-in: per query a fixed score for every row, many zero; tied for half of the queries."""

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows

    def scores(self, query: str) -> np.ndarray:
        seed = zlib.crc32(query.encode())
        rng = np.random.default_rng(seed)
        values = rng.integers(1, 6, self.n_rows) * 0.75 if seed % 2 else rng.random(self.n_rows) * 4
        return (values * (rng.random(self.n_rows) < 0.6)).astype(np.float32)


def stub_plan(doc_ids: list[str]) -> SimpleNamespace:
    path = SimpleNamespace(to_dict=dict)
    projects = {
        d: SimpleNamespace(id=d, name=f"名前 {d}", departments=(), summary_lines=(f"行 {d}",), path=path, source=path)
        for d in doc_ids
    }
    return SimpleNamespace(project=projects.get, projects=list(projects.values()), basic_policies=[], policies=[])


def make_searcher(interleaved: bool, fusion: str, dense_weight: float) -> HybridSearcher:
    rng = random.Random(7)
    docs = [f"P{i:03d}" for i in range(N_DOCS)]
    rows = [d for d in docs for _ in range(rng.choice((1, 1, 2, 3)))]  # some documents have several rows
    if interleaved:
        rng.shuffle(rows)
    lines = [d for d in docs for _ in range(rng.choice((0, 1, 2)))]
    scopes = ["row"] * len(rows) + ["line"] * len(lines)
    if interleaved:  # sentence units among the rows too
        order = list(range(len(scopes)))
        rng.shuffle(order)
        rows_and_lines = [(rows + lines)[i] for i in order]
        scopes = [scopes[i] for i in order]
    else:
        rows_and_lines = rows + lines
    chunks = [
        Chunk(f"c{i}", d, "project", d, (f"行 {d}",), scope)
        for i, (d, scope) in enumerate(zip(rows_and_lines, scopes, strict=True))
    ]
    vectors = np.random.default_rng(3).standard_normal((len(chunks), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[1] = vectors[0]  # a tie on the dense side as well
    lexical = StubLexical(scopes.count("row"))
    index = LoadedIndex(None, None, chunks, lexical, DenseIndex("Flat").index(vectors))
    return HybridSearcher(
        stub_plan(docs), index, None, Words(), fusion=fusion, dense_weight=dense_weight, dense_candidates=40
    )


def reference_doc_scores(searcher: HybridSearcher, scores: np.ndarray, subset) -> dict[str, float]:
    """The former lexical_doc_scores: a loop over chunks with a positive score."""
    if subset is None:
        candidates = np.arange(len(scores))
    else:
        positions = searcher._lexical_pos[subset]
        candidates = positions[positions >= 0]
    docs: dict[str, float] = {}
    for pos in candidates[scores[candidates] > 0]:
        doc = searcher.index.chunks[searcher._lexical_rows[pos]].doc_id
        docs[doc] = max(docs.get(doc, 0.0), float(scores[pos]))
    return docs


def reference_subset(searcher: HybridSearcher, allowed) -> np.ndarray | None:
    if allowed is None:
        return None
    ids = [i for d in allowed for i in (*searcher._doc_rows.get(d, ()), *searcher._doc_lines.get(d, ()))]
    return np.array(sorted(ids), dtype=np.int64)


def reference_search(searcher: HybridSearcher, query: str, k: int, allowed, mode: str, vector: np.ndarray):
    """The former search's ranking: every matched document fused, sorted, ranked."""
    subset = reference_subset(searcher, allowed)
    lexical = reference_doc_scores(searcher, searcher.index.lexical.scores(searcher.lexical_query(query)), subset)
    dense = searcher.dense_scores(vector, subset).docs if mode != "lexical" else {}
    if mode == "lexical":
        fused = dict(lexical)
    elif mode == "dense":
        fused = dense
    else:
        fused = fuse([lexical, dense], searcher.fusion, rrf_k=searcher.rrf_k, dense_weight=searcher.dense_weight)
    ranked = sorted(fused, key=lambda d: (-fused[d], d))[:k]
    lex_rank = {d: r for r, d in enumerate(sorted(lexical, key=lambda d: -lexical[d]), start=1)}
    return [(d, fused[d], lex_rank.get(d)) for d in ranked], max(lexical.values(), default=0.0)


@pytest.mark.parametrize("interleaved", [False, True])
def test_per_document_scores_and_subsets_match_the_loops(interleaved):
    searcher = make_searcher(interleaved, "weighted", 0.7)
    assert searcher._lexical_grouped is not interleaved  # both code paths of best_per_doc
    rng = np.random.default_rng(5)
    n_chunks = len(searcher.index.chunks)
    subsets = [None, np.sort(rng.choice(n_chunks, n_chunks // 3, replace=False)), np.zeros(0, dtype=np.int64)]
    subsets.append(rng.permutation(n_chunks)[: n_chunks // 2])  # any order: documents in the order met
    for query in QUERIES:
        for subset in subsets:
            got = searcher.lexical_doc_scores(query, subset)
            expected = reference_doc_scores(searcher, searcher.index.lexical.scores(query), subset)
            assert list(got.items()) == list(expected.items())  # same values, same insertion order
    for allowed in (None, set(), {"P003", "P077", "nope"}, {f"P{i:03d}" for i in range(0, N_DOCS, 2)}):
        got, expected = searcher._chunk_subset(allowed), reference_subset(searcher, allowed)
        assert (got is None and expected is None) or (np.array_equal(got, expected) and got.dtype == expected.dtype)


@pytest.mark.parametrize("interleaved", [False, True])
@pytest.mark.parametrize(
    ("fusion", "dense_weight"), [("weighted", 0.7), ("weighted", 0.3), ("weighted", 1.0), ("rrf", 0.5)]
)
def test_search_ranks_exactly_as_fusing_every_document(interleaved, fusion, dense_weight):
    searcher = make_searcher(interleaved, fusion, dense_weight)
    vectors = np.random.default_rng(11).standard_normal((len(QUERIES), DIM)).astype(np.float32)
    allowed_sets = [None, frozenset(f"P{i:03d}" for i in range(0, N_DOCS, 3)), frozenset({"P010"}), frozenset()]
    for query, vector in zip(QUERIES, vectors, strict=True):
        for allowed in allowed_sets:
            filters = Filters(ids=allowed) if allowed is not None else None
            for mode in ("hybrid", "lexical", "dense"):
                for k in (1, 10, 50, 200):
                    result = searcher.search(query, k, filters, mode, vector)
                    got = [(h.id, h.score, h.lexical_rank) for h in result.hits]
                    expected, lexical_top = reference_search(searcher, query, k, allowed, mode, vector)
                    assert got == expected, (query, allowed, mode, k)
                    assert result.lexical_top == lexical_top
