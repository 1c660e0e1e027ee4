"""Dense vector index on FAISS behind a small interface (index / search / save / load).

Vectors are L2-normalised embeddings, so inner product is cosine similarity. The default is exact
search (``Flat``); any FAISS index factory string (e.g. ``HNSW32,Flat``) can be configured for large
corpora. ``"auto"`` picks exact search below ``ann_threshold`` vectors and HNSW above it: the crossover
measured by ``scripts/scale_bench.py`` (see docs/performance.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def choose_factory(factory: str, n_vectors: int, ann_threshold: int) -> str:
    """Resolve ``"auto"`` into a concrete factory string for ``n_vectors``."""
    if factory != "auto":
        return factory
    return "Flat" if n_vectors < ann_threshold else "HNSW32,Flat"


class DenseIndex:
    """FAISS inner-product index; ``search`` can be restricted to a subset of ids (metadata filters)."""

    FILE = "dense.faiss"
    EXACT_SUBSET = 4096

    def __init__(self, factory: str = "Flat", hnsw_ef_search: int = 1024) -> None:
        self.factory = factory
        self.hnsw_ef_search = hnsw_ef_search
        self._index = None

    @property
    def size(self) -> int:
        return 0 if self._index is None else self._index.ntotal

    @property
    def dim(self) -> int:
        return 0 if self._index is None else self._index.d

    def index(self, vectors: np.ndarray) -> DenseIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.index_factory(vectors.shape[1], self.factory, faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            index.train(vectors)
        index.add(vectors)
        self._index = index
        self._tune()
        return self

    def _tune(self) -> None:
        # efSearch trades recall for speed on HNSW: at 100k vectors 128 gives recall@10 0.87, 1024 gives 0.97 at p95 ~7 ms (scale_bench).
        if hasattr(self._index, "hnsw"):
            self._index.hnsw.efSearch = self.hnsw_ef_search

    def search(self, queries: np.ndarray, k: int, subset: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids) per query; ids are -1 where fewer than ``k`` vectors qualify.

        ``subset`` is an array of allowed ids; FAISS applies it during the search (IDSelector), so a
        filter never empties the top-k the way filtering after ranking would.
        """
        import faiss

        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, self.size))
        params = None
        if subset is not None:
            if len(subset) == 0:
                return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
            subset = np.ascontiguousarray(subset, dtype=np.int64)
            if hasattr(self._index, "hnsw"):
                if len(subset) <= self.EXACT_SUBSET:
                    return self._exact_subset(queries, k, subset)
                params = faiss.SearchParametersHNSW(sel=faiss.IDSelectorBatch(subset), efSearch=self.hnsw_ef_search)
            else:
                params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(subset))
        scores, ids = self._index.search(queries, k, params=params)
        return scores, ids

    def similarities(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact similarity of one query to the vectors ``ids`` (a few: one row's sentences), no search."""
        vectors = self._index.reconstruct_batch(np.ascontiguousarray(ids, dtype=np.int64))
        return vectors @ np.asarray(query, dtype=np.float32).reshape(-1)

    def _exact_subset(self, queries: np.ndarray, k: int, subset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # A graph search restricted to a few ids misses many of them; scoring the few directly is exact
        # and, below EXACT_SUBSET vectors, cheaper than the graph walk.
        vectors = self._index.reconstruct_batch(subset)
        scores = queries @ vectors.T
        k = min(k, len(subset))
        top = np.argsort(-scores, axis=1)[:, :k]
        return np.take_along_axis(scores, top, axis=1), subset[top]

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(folder / self.FILE))

    @classmethod
    def load(cls, folder: Path, hnsw_ef_search: int = 1024) -> DenseIndex:
        import faiss

        dense = cls(hnsw_ef_search=hnsw_ef_search)
        dense._index = faiss.read_index(str(folder / cls.FILE))
        dense.factory = "HNSW" if hasattr(dense._index, "hnsw") else "Flat"
        dense._tune()
        return dense
