"""Fusion of the lexical and dense rankings into one, kept apart so the choice is easy to measure.

Both functions take per-retriever ``{doc: score}`` maps and return ``{doc: fused score}``.
- Reciprocal rank fusion uses ranks only, so it needs no calibration between BM25 and cosine scores.
- Weighted fusion min-max normalises each retriever's scores over its candidates and mixes them.
The default and its parameters are chosen by `scripts/eval_retrievers.py` on the dev set.
"""

from __future__ import annotations


def _ranked(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda d: (-scores[d], d))


def reciprocal_rank_fusion(
    runs: list[dict[str, float]], k: int = 60, weights: list[float] | None = None
) -> dict[str, float]:
    weights = weights or [1.0] * len(runs)
    fused: dict[str, float] = {}
    for run, weight in zip(runs, weights, strict=True):
        for rank, doc in enumerate(_ranked(run), start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return fused


def weighted_fusion(runs: list[dict[str, float]], weights: list[float]) -> dict[str, float]:
    fused: dict[str, float] = {}
    for run, weight in zip(runs, weights, strict=True):
        if not run:
            continue
        low, high = min(run.values()), max(run.values())
        span = (high - low) or 1.0
        for doc, score in run.items():
            fused[doc] = fused.get(doc, 0.0) + weight * (score - low) / span
    return fused


def fuse(runs: list[dict[str, float]], method: str, *, rrf_k: int = 60, dense_weight: float = 0.5) -> dict[str, float]:
    """Fuse ``[lexical, dense]`` with the named method (``rrf`` or ``weighted``)."""
    weights = [1.0 - dense_weight, dense_weight]
    if method == "rrf":
        return reciprocal_rank_fusion(runs, k=rrf_k, weights=[2 * w for w in weights])
    if method == "weighted":
        return weighted_fusion(runs, weights)
    raise ValueError(f"unknown fusion method {method!r} (use rrf or weighted)")
