"""Real FAISS on a synthetic corpus: the approximate index (HNSW) agrees with exact search, filters hold,
and the factory choice follows corpus size. Fast: random unit vectors, no model."""

from __future__ import annotations

import numpy as np

from assistant.index.dense import DenseIndex, choose_factory


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_hnsw_recall_against_exact_search_and_filtered_search(tmp_path):
    corpus = unit_vectors(5000, 64, seed=1)
    # Queries near corpus points, as real questions sit near their rows.
    queries = corpus[:50] + 0.3 * unit_vectors(50, 64, seed=2)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = DenseIndex("Flat").index(corpus)
    approx = DenseIndex("HNSW32,Flat").index(corpus)
    approx.save(tmp_path)
    approx = DenseIndex.load(tmp_path)  # the saved index searches the same way
    _, truth = exact.search(queries, 10)
    _, found = approx.search(queries, 10)
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    assert recall >= 0.95, recall
    subset = np.arange(0, 5000, 7, dtype=np.int64)
    _, ids = approx.search(queries, 10, subset=subset)
    assert set(ids[ids >= 0].ravel()) <= set(subset.tolist())
    _, exact_ids = exact.search(queries, 10, subset=subset)
    assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact_ids, ids, strict=True)]) >= 0.9


def test_auto_factory_is_exact_below_the_threshold_and_hnsw_above():
    assert choose_factory("auto", 300, 20_000) == "Flat"
    assert choose_factory("auto", 20_000, 20_000) == "HNSW32,Flat"
    assert choose_factory("IVF256,Flat", 300, 20_000) == "IVF256,Flat"  # an explicit factory string wins
