"""Fit the model-dependent settings (fusion, not-found thresholds, margins) on a tuning file.

``assistant model calibrate`` runs this for the selected model and stores the result with it
(assistant/embedding/calibration.py), so a new model never runs on thresholds fitted to another one's
score scale. Three steps, each on the tuning items only:

1. **Fusion**: every method and dense weight of :func:`fusion_grid`, ranked by hybrid MRR@10, then recall@5.
2. **Not found**: the best project hit's dense similarity and the best BM25 score of every question (as the
   answerer sees them, :func:`observe`); thresholds are tried at the midpoints between observed
   similarities, so the grid follows the model's own scale. Ranked by out-of-scope F1, then by fewest
   in-scope questions refused.
3. **Coverage**: the model that decides whether the plan covers a question, fitted on the same items plus
   the out-of-scope tuning bank (:mod:`assistant.evaluation.coverage_fit`).
4. **Margins** read on e5-small's scale (uncertain band, policy-over-project, child policy, the lexical
   margin grid) are carried over in units of the spread of in-scope similarities (their standard deviation),
   measured on the same items.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.coverage_fit import MAX_REFUSED  # shared by every refusal rule fitted here

DENSE_WEIGHTS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
FOREIGN_WEIGHTS = (None, 0.9, 1.0)  # None: English questions get the same weight as Japanese ones
RRF_KS = (10, 30, 60)
LEXICAL_MARGINS_IN_SPREADS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
WEAK_LEXICAL = (2.0, 3.0, 4.0)
# Settings read off e5-small's scale: carried over to another model in units of its spread.
SPREAD_SCALED = ("low_confidence_margin", "policy_over_project_margin", "child_policy_margin")
REFERENCE_PROFILE = "e5-small"
EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "eval"
# The tuning part: the dev set and the tuning half of the out-of-scope bank (oos_check.jsonl stays unseen).
DEFAULT_DATASETS = (EVAL_DIR / "dev_tuning.jsonl", EVAL_DIR / "oos_tuning.jsonl")

Progress = Callable[[str, int, int], None]


def fusion_grid() -> list[dict[str, Any]]:
    grid = [
        {"fusion": "rrf", "rrf_k": k, "dense_weight": w, "dense_weight_foreign": f}
        for k in RRF_KS
        for w in DENSE_WEIGHTS
        for f in FOREIGN_WEIGHTS
    ]
    grid += [
        {"fusion": "weighted", "rrf_k": None, "dense_weight": w, "dense_weight_foreign": f}
        for w in DENSE_WEIGHTS
        for f in FOREIGN_WEIGHTS
    ]
    return grid


def apply_fusion(searcher, config: dict[str, Any]) -> None:
    searcher.fusion, searcher.dense_weight = config["fusion"], config["dense_weight"]
    if config["rrf_k"] is not None:
        searcher.rrf_k = config["rrf_k"]
    foreign = config["dense_weight_foreign"]
    searcher.dense_weight_foreign = config["dense_weight"] if foreign is None else foreign


def fit_fusion(runtime, items, progress: Progress | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The best fusion on ``items`` (left applied to the searcher) and its retrieval scores."""
    from assistant.evaluation.runner import resolve_targets, run_retrieval, summarize

    targets = resolve_targets(runtime.plan, items)
    grid = fusion_grid()
    results = []
    for done, config in enumerate(grid):
        if progress:
            progress("fusion", done, len(grid))
        apply_fusion(runtime.searcher, config)
        summary = summarize(run_retrieval(runtime.searcher, items, targets, "hybrid", with_dense_score=False))
        results.append({**config, **summary["retrieval"]})
    if progress:
        progress("fusion", len(grid), len(grid))
    best = max(results, key=lambda r: (round(r["mrr@10"], 4), round(r["recall@5"], 4), r["dense_weight"]))
    config = {k: best[k] for k in ("fusion", "rrf_k", "dense_weight", "dense_weight_foreign")}
    config["dense_weight_foreign"] = config["dense_weight_foreign"] or config["dense_weight"]
    config["rrf_k"] = config["rrf_k"] or runtime.searcher.rrf_k
    apply_fusion(runtime.searcher, config)
    return config, best


def observe(runtime, items) -> list[tuple[bool, str, float, float]]:
    """(out_of_scope, lang, top dense similarity, top BM25) per non-follow-up item, as the answerer sees it."""
    from assistant.answer.understand import QuestionReader
    from assistant.retrieval.types import Filters

    reader = QuestionReader(runtime.plan, runtime.tokenizer)
    rows = []
    for item in items:
        if item.kind == "followup":  # answered from the previous turn, not by this decision
            continue
        q = reader.read(item.question)
        results = runtime.searcher.search(item.question, k=5, filters=Filters(kinds=("project",)))
        if results.hits and results.hits[0].dense_score is not None:
            rows.append((item.kind == "out_of_scope", q.lang, results.hits[0].dense_score, results.lexical_top))
    return rows


def score(rows, ja: float, en: float, margin: float, weak: float) -> dict[str, float]:
    """Out-of-scope precision, recall, F1 and in-scope refusals of one threshold setting."""
    tp = fp = fn = 0
    for oos, lang, dense, lexical in rows:
        threshold = en if lang == "en" else ja + (margin if lexical < weak else 0.0)
        refused = dense < threshold
        tp += refused and oos
        fp += refused and not oos
        fn += oos and not refused
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "refused_in_scope": fp}


def midpoints(values: Sequence[float]) -> list[float]:
    """Candidate thresholds: below, between and above the observed values."""
    ordered = sorted(set(values))
    if not ordered:
        return [0.0]
    return [ordered[0] - 1e-3, *((a + b) / 2 for a, b in itertools.pairwise(ordered)), ordered[-1] + 1e-3]


def spread(rows) -> float:
    """Standard deviation of in-scope top similarities: the unit margins are carried over in."""
    values = [dense for oos, _, dense, _ in rows if not oos]
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def fit_not_found(rows, unit: float) -> tuple[dict[str, float], dict[str, float]]:
    """Best (not_found_threshold, not_found_threshold_en, lexical_margin, weak_lexical) and its scores."""
    ja = midpoints([d for _, lang, d, _ in rows if lang != "en"])
    en = midpoints([d for _, lang, d, _ in rows if lang == "en"])
    margins = [round(m * unit, 4) for m in LEXICAL_MARGINS_IN_SPREADS]
    best_key, best = None, None
    # At most MAX_REFUSED of the in-scope questions may be refused (a bank of refusals would otherwise
    # buy F1 with in-scope refusals).
    allowed = MAX_REFUSED * sum(1 for oos, *_ in rows if not oos)
    # English thresholds do not interact with the Japanese ones: fit them apart (the grid stays small).
    for t_ja, margin, weak in itertools.product(ja, margins, WEAK_LEXICAL):
        s = score([r for r in rows if r[1] != "en"], t_ja, 0.0, margin, weak)
        key = (s["refused_in_scope"] <= allowed, round(s["f1"], 3), -s["refused_in_scope"], -margin)
        if best_key is None or key > best_key:
            best_key, best = key, {"not_found_threshold": t_ja, "lexical_margin": margin, "weak_lexical": weak}
    en_rows = [r for r in rows if r[1] == "en"]
    en_allowed = MAX_REFUSED * sum(1 for oos, *_ in en_rows if not oos)

    def en_key(t: float) -> tuple:
        s = score(en_rows, 0.0, t, 0.0, 0.0)
        return (s["refused_in_scope"] <= en_allowed, round(s["f1"], 3), -t)

    en_best = max(en, key=en_key)
    values = {**best, "not_found_threshold_en": en_best}
    values = {k: round(v, 4) for k, v in values.items()}
    scores = score(rows, values["not_found_threshold"], values["not_found_threshold_en"],
                   values["lexical_margin"], values["weak_lexical"])  # fmt: skip
    return values, scores


def reference_spread(profile: str | None) -> float | None:
    """The spread stored with e5-small's calibration (the scale the margin defaults were read on)."""
    from assistant.embedding.calibration import CATALOGUE_FILE, read_stored

    if profile == REFERENCE_PROFILE:
        return None
    return read_stored(CATALOGUE_FILE).get(REFERENCE_PROFILE, {}).get("_fitted", {}).get("spread")


def calibrate(runtime, items, profile: str | None, progress: Progress | None = None) -> tuple[dict, dict]:
    """All calibrated values for the runtime's model, and a record of how they were fitted."""
    from assistant.answer.coverage import CoverageModel
    from assistant.evaluation.coverage_fit import fit_coverage
    from assistant.evaluation.coverage_fit import observe as observe_coverage
    from assistant.settings import Settings

    # Fusion is ranked on in-scope items alone (refusals have no rank): the bank would only cost time.
    fusion, best_fusion = fit_fusion(runtime, [i for i in items if i.in_scope], progress)
    rows = observe(runtime, items)
    unit = spread(rows)
    values, scores = fit_not_found(rows, unit)
    defaults = Settings.model_fields
    reference = reference_spread(profile)
    ratio = unit / reference if reference else 1.0
    margins = {k: round(defaults[k].default * ratio, 4) for k in SPREAD_SCALED}
    # The answerer observed for coverage runs on these values (its margins decide which path asks).
    runtime.settings = runtime.settings.model_copy(update={**fusion, **values, **margins, "coverage": None})
    model, coverage_meta = fit_coverage(observe_coverage(runtime, items, progress))
    CoverageModel.from_dict(model.to_dict())  # what is stored must load
    meta = {
        "items": len(items),
        "spread": round(unit, 5),
        "margin_scale": round(ratio, 4),
        "fusion_mrr@10": round(best_fusion["mrr@10"], 4),
        "fusion_recall@5": round(best_fusion["recall@5"], 4),
        "out_of_scope": {k: round(v, 4) for k, v in scores.items()},
        "coverage": coverage_meta,
    }
    return {**fusion, **values, **margins, "coverage": model.to_dict()}, meta


def calibrate_and_store(settings, datasets: Sequence[Path] | None, progress: Progress | None = None):
    """Load the configured model and index, calibrate on ``datasets`` and store the values with the model."""
    from assistant.embedding.calibration import store_calibration
    from assistant.embedding.catalogue import profile_of_folder
    from assistant.evaluation.dataset import load_datasets
    from assistant.runtime import load_runtime

    paths = list(datasets or DEFAULT_DATASETS)
    items = load_datasets(paths)
    runtime = load_runtime(settings)
    profile = profile_of_folder(settings.model_dir)
    name = profile.name if profile else None
    values, meta = calibrate(runtime, items, name, progress)
    meta["datasets"] = [p.name for p in paths]
    return store_calibration(settings.model_dir, name, values, meta), values
