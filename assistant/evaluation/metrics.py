"""Pure metric functions: gold matching, recall@k, reciprocal rank, list recall and small statistics.

Gold is resolved once into :class:`GoldTarget` objects (a label plus the set of document ids that count
as that gold), so ranking metrics compare plain id lists and never re-implement the matching rules.
Nothing here loads a model or the index, so every rule is unit-tested quickly.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class ProjectLike(Protocol):
    """What gold matching needs of a project (``assistant.corpus.models.Project`` fits)."""

    id: str
    name: str

    @property
    def approach_key(self) -> str: ...


@dataclass(frozen=True, slots=True)
class GoldTarget:
    """One gold entry: its label as written in the file and the document ids that satisfy it."""

    label: str
    ids: frozenset[str]


class GoldError(ValueError):
    """Gold that matches nothing in the plan (a stale evaluation file or a changed corpus)."""


def resolve_gold(
    gold: Sequence[str],
    projects: Iterable[ProjectLike],
    *,
    kind: str = "lookup",
    gold_policy: Sequence[str] = (),
    node_codes: Iterable[str] | None = None,
) -> list[GoldTarget]:
    """Turn gold names (or policy codes) into targets.

    - ``kind == "policy"``: gold entries are 基本施策/個別施策 codes; the policy node's id is its code.
    - otherwise a gold name matches every project with exactly that 事業名. ``gold_policy`` narrows only
      names that occur more than once in the plan, to rows whose ``approach_key`` it lists; unique names
      are unaffected (the README's rule: gold_policy exists to disambiguate repeated names).
    """
    if kind == "policy":
        known = set(node_codes) if node_codes is not None else None
        unknown = [code for code in gold if known is not None and code not in known]
        if unknown:
            raise GoldError(f"no policy node {', '.join(unknown)}")
        return [GoldTarget(code, frozenset({code})) for code in gold]
    rows_by_name: dict[str, list[ProjectLike]] = {}
    for project in projects:
        rows_by_name.setdefault(project.name, []).append(project)
    keys = set(gold_policy)
    targets = []
    for name in gold:
        rows = rows_by_name.get(name, [])
        if not rows:
            raise GoldError(f"no project named {name!r}")
        if len(rows) > 1 and keys:
            rows = [row for row in rows if row.approach_key in keys]
            if not rows:
                raise GoldError(f"{name!r} has no row under gold_policy {', '.join(sorted(keys))}")
        targets.append(GoldTarget(name, frozenset(row.id for row in rows)))
    return targets


def first_gold_rank(ranked_ids: Sequence[str], targets: Sequence[GoldTarget]) -> int | None:
    """1-based rank of the first document that satisfies any target, or None."""
    wanted = frozenset().union(*(t.ids for t in targets)) if targets else frozenset()
    for rank, doc in enumerate(ranked_ids, start=1):
        if doc in wanted:
            return rank
    return None


def recall_at_k(ranked_ids: Sequence[str], targets: Sequence[GoldTarget], k: int) -> float:
    """1.0 if any gold is in the top ``k`` (the contract's "a hit is any gold"), else 0.0."""
    rank = first_gold_rank(ranked_ids[:k], targets)
    return 1.0 if rank is not None else 0.0


def reciprocal_rank(ranked_ids: Sequence[str], targets: Sequence[GoldTarget], k: int = 10) -> float:
    """1/rank of the first gold within the top ``k``; 0.0 when none is there (MRR@k per item)."""
    rank = first_gold_rank(ranked_ids[:k], targets)
    return 1.0 / rank if rank is not None else 0.0


def list_recall(ranked_ids: Sequence[str], targets: Sequence[GoldTarget], k: int = 10) -> float:
    """Share of gold entries satisfied by some document in the top ``k`` (each gold name counts once)."""
    if not targets:
        return 0.0
    top = set(ranked_ids[:k])
    return sum(1 for t in targets if t.ids & top) / len(targets)


def mean(values: Iterable[float | None]) -> float | None:
    """Arithmetic mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..100), as numpy's default; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def stats(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, min, p5, p50, mean, p95, max of a sample (for latency and score distributions)."""
    return {
        "n": len(values),
        "min": min(values) if values else None,
        "p5": percentile(values, 5),
        "p50": percentile(values, 50),
        "mean": mean(values),
        "p95": percentile(values, 95),
        "max": max(values) if values else None,
    }


def precision_recall_f1(predicted: Sequence[bool], actual: Sequence[bool]) -> dict[str, float | int]:
    """Binary classification scores for the positive class (True); 0.0 where undefined."""
    if len(predicted) != len(actual):
        raise ValueError("predicted and actual differ in length")
    counts = Counter(zip(predicted, actual, strict=True))
    tp, fp, fn = counts[(True, True)], counts[(True, False)], counts[(False, True)]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def contains_all(text: str, needles: Iterable[str]) -> bool:
    """Every needle occurs verbatim in ``text`` (must_mention strings are verbatim corpus substrings)."""
    return all(needle in text for needle in needles)


def names_in_text(text: str, names: Iterable[str]) -> set[str]:
    """Which ``names`` the text mentions, longest match first.

    A name found only inside a longer mentioned name does not count, so 「情報統計課」 does not also report
    a shorter department whose name is its suffix.
    """
    spans: list[tuple[int, int, str]] = []
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        for match in re.finditer(re.escape(name), text):
            start, end = match.span()
            if not any(s <= start and end <= e for s, e, _ in spans):
                spans.append((start, end, name))
    return {name for _, _, name in spans}


def best_threshold_below(positives: Sequence[float], negatives: Sequence[float]) -> dict[str, Any] | None:
    """The cut-off ``t`` that best flags ``negatives`` as "score < t", by F1 (ties: the lower ``t``).

    Used on top dense scores, negatives being out-of-scope questions: a starting point for the not-found
    threshold. It is fitted on the same items it is scored on, so it is optimistic.
    """
    if not positives or not negatives:
        return None
    actual = [False] * len(positives) + [True] * len(negatives)
    best: dict[str, Any] | None = None
    for threshold in sorted(set(positives) | set(negatives)):
        cut = threshold + 1e-9  # a cut placed on an observed score flags that score too
        predicted = [s < cut for s in positives] + [s < cut for s in negatives]
        scores = precision_recall_f1(predicted, actual)
        if best is None or scores["f1"] > best["f1"]:
            best = {"threshold": threshold, **scores}
    return best
