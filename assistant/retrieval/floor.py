"""The relevance floor of the staff search page: which ranked hits are shown as matches.

A search ranks every document of the plan, so a page of 50 is filled with rows that merely rank, not
rows that match (for 「デジタル」, half of them never say the word). Hybrid fusion gives each hit a fused
score relative to the query's best one; hits below a share of the best are padding. The share was chosen
by ``scripts/search_floor.py`` on the tuning questions (numbers in docs/search.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.retrieval.types import Hit

FLOOR_SHARE = 0.5  # keep hits scoring at least this share of the best hit (scripts/search_floor.py)


def above_floor(hits: Sequence[Hit], share: float = FLOOR_SHARE) -> list[Hit]:
    """The leading hits whose fused score is at least ``share`` of the best (hits come best first).

    Fused scores of weighted fusion lie in [0, 1] and RRF scores are positive, so a share of the best is
    meaningful for both; a best score of 0 or less keeps nothing but that hit's equals.
    """
    if not hits:
        return []
    best = max(hit.score for hit in hits)
    if best <= 0:
        return [hit for hit in hits if hit.score >= best]
    return [hit for hit in hits if hit.score >= share * best]
