"""Fit the coverage model (assistant/answer/coverage.py) on tuning questions: the fourth calibration step.

1. **Observe**: every non-follow-up tuning question is answered by the real :class:`Answerer`, with a judge
   that records the signals at the point where the answerer asks whether the plan covers the question
   (structured answers, such as a department's list, never ask) and lets every question through.
2. **Fit**: a logistic regression (L2, Newton steps) of "in scope" on the standardised signals.
3. **Cut**: on out-of-fold probabilities (each question scored by a model fitted without its fold, so the
   cuts see the spread unseen questions get, not the fit's own optimism), the refusal threshold maximises
   out-of-scope F1 with at most :data:`MAX_REFUSED` of the in-scope questions refused; "high" confidence starts where at least :data:`HIGH_PRECISION` of the answers above it
   cite a right row (on tuning data; the check part and held-out sets show whether it holds); a refusal is
   "partly" from the probability that best tells refused near misses from refused services.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from assistant.answer.coverage import FEATURES, CoverageJudge, CoverageModel, Signals, Verdict

# Share of in-scope tuning questions a refusal rule may refuse. With cuts read off the fit's own probabilities
# the share came out several times as high out of sample (1.5% on tuning, 9% on the check part: #13); out of
# fold it holds at 1-2.5% (#14).
MAX_REFUSED = 0.015
HIGH_PRECISION = 0.97  # share of right rows among tuning answers marked "high"
L2 = 1.0
FOLDS = 5


@dataclass(frozen=True, slots=True)
class Observation:
    item_id: str
    in_scope: bool
    group: str  # in_scope, or the item's oos_kind (service, near_miss, nothing)
    signals: Signals
    right_row: bool  # the best hit is a gold row (what a covered answer would cite)


class RecordingJudge(CoverageJudge):
    """A judge that says "covered" to everything and keeps the signals it was asked about."""

    def __init__(self, inner: CoverageJudge) -> None:  # share the inner judge's vocabulary and prototypes
        self.__dict__.update(inner.__dict__)
        self.seen: list[tuple[Signals, str]] = []

    def judge(self, q, results) -> Verdict:
        if results.hits and results.hits[0].dense_score is not None:
            self.seen.append((self.signals(q, results), results.hits[0].id))
        return Verdict("covered", "high", 1.0)


def observe(runtime, items, progress=None) -> list[Observation]:
    from assistant.answer.service import Answerer
    from assistant.evaluation.runner import resolve_targets

    answerer = Answerer(runtime.plan, runtime.searcher, runtime.settings)
    recorder = RecordingJudge(answerer.coverage)
    answerer.coverage = recorder
    targets = resolve_targets(runtime.plan, items)
    rows = []
    asked = [item for item in items if item.kind != "followup"]
    for done, item in enumerate(asked):
        if progress:
            progress("coverage", done, len(asked))
        recorder.seen.clear()
        answerer.answer(item.question, None)
        if not recorder.seen:
            continue
        signals, best = recorder.seen[-1]
        gold = {doc for t in targets[item.id] for doc in t.ids}
        group = "in_scope" if item.in_scope else (item.oos_kind or "service")
        rows.append(Observation(item.id, item.in_scope, group, signals, best in gold))
    if progress:
        progress("coverage", len(asked), len(asked))
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (bias not penalised), by Newton's method."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.diag([l2] * d + [0.0])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -30, 30)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w[:-1], float(w[-1])


def _cut_scores(p: np.ndarray, in_scope: np.ndarray, threshold: float) -> dict[str, float]:
    refused = p < threshold
    tp = int(np.sum(refused & ~in_scope))
    fp = int(np.sum(refused & in_scope))
    fn = int(np.sum(~refused & ~in_scope))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "refused_in_scope": fp}


def choose_threshold(p: np.ndarray, in_scope: np.ndarray) -> tuple[float, dict[str, float]]:
    ordered = sorted(set(p.tolist()))
    candidates = [0.5] + [(a + b) / 2 for a, b in itertools.pairwise(ordered)]
    # One odd tuning question must not set the cut alone: at least one refusal is tolerated.
    allowed = max(1.0, MAX_REFUSED * int(in_scope.sum()))
    best = max(
        (t for t in candidates if _cut_scores(p, in_scope, t)["refused_in_scope"] <= allowed),
        key=lambda t: (round(_cut_scores(p, in_scope, t)["f1"], 4), -t),
        default=0.5,
    )
    return best, _cut_scores(p, in_scope, best)


def choose_high(p: np.ndarray, right: np.ndarray, threshold: float) -> float:
    """The lowest probability above which at least HIGH_PRECISION of the answers cite a right row."""
    for t in sorted(set(p[p >= threshold].tolist())):
        above = p >= t
        if right[above].mean() >= HIGH_PRECISION:
            return float(t)
    return 1.01  # never "high": no band of tuning answers was right often enough


def choose_partly(p: np.ndarray, rows: list[Observation], threshold: float) -> float:
    """The probability from which a refusal that shares a topic word with its row reads as "partly": the cut
    that best tells refused near misses (partly) from refused services (not covered) on tuning data."""
    candidates = [(pi, r.group) for pi, r in zip(p, rows, strict=True)
                  if pi < threshold and r.signals.in_row and r.group in ("near_miss", "service")]  # fmt: skip
    if not candidates:
        return 0.0
    cuts = [0.0, *sorted({pi for pi, _ in candidates})]

    def right(cut: float) -> int:
        return sum((pi >= cut) == (group == "near_miss") for pi, group in candidates)

    return float(max(cuts, key=lambda c: (right(c), -c)))


def _fitted(x: np.ndarray, y: np.ndarray) -> CoverageModel:
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales < 1e-9] = 1.0  # a constant feature (no English item) carries no weight
    weights, bias = fit_logistic((x - means) / scales, y)
    return CoverageModel(tuple(weights.tolist()), bias, tuple(means.tolist()), tuple(scales.tolist()))


def out_of_fold(rows: list[Observation], x: np.ndarray, y: np.ndarray, folds: int = FOLDS) -> np.ndarray:
    """Each row's probability from a model fitted on the other folds (folds dealt round-robin within each
    group, so every fold holds in-scope questions, services, near misses and nothing-to-answer alike)."""
    fold = np.zeros(len(rows), dtype=int)
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        fold[i] = seen.get(row.group, 0) % folds
        seen[row.group] = seen.get(row.group, 0) + 1
    p = np.zeros(len(rows))
    for k in range(folds):
        held = fold == k
        if not held.any() or len(set(y[~held])) < 2:
            continue
        model = _fitted(x[~held], y[~held])
        p[held] = [model.probability(r.signals) for r, h in zip(rows, held, strict=True) if h]
    return p


def fit_coverage(rows: list[Observation]) -> tuple[CoverageModel, dict]:
    """The coverage model for ``rows`` and a record of how its cuts score (out of fold) on them."""
    x = np.array([r.signals.vector() for r in rows])
    y = np.array([r.in_scope for r in rows], dtype=float)
    model = _fitted(x, y)
    weights = np.array(model.weights)
    p = out_of_fold(rows, x, y)
    in_scope = y.astype(bool)
    threshold, scores = choose_threshold(p, in_scope)
    right = np.array([r.right_row for r in rows])
    high = choose_high(p, right, threshold)
    partly = choose_partly(p, rows, threshold)
    model = CoverageModel(model.weights, model.bias, model.means, model.scales, threshold, high, partly)
    meta = {
        "cuts": f"out of fold ({FOLDS} folds)",
        "observed": len(rows),
        "in_scope": int(in_scope.sum()),
        **{k: round(v, 4) for k, v in scores.items()},
        "high_share": round(float(np.mean(p[in_scope] >= high)), 4),
        "weights": dict(zip(FEATURES, (round(w, 3) for w in weights), strict=True)),
    }
    return model, meta
