"""Fit the not-found thresholds of the answerer on an evaluation file and print the best settings.

For every non-follow-up item it runs the answerer's own project search once, records the best hit's dense
similarity and the best BM25 score, then tries a grid of ``Settings`` values (``not_found_threshold``,
``not_found_threshold_en``, ``lexical_margin``, ``weak_lexical``) and ranks them by out-of-scope F1, then
by how few in-scope questions they would wrongly refuse. Re-run it after changing the model or the index.

    .venv/bin/python scripts/calibrate_not_found.py [tests/data/eval/dev.jsonl] [--top 10]

The fit is on the same items it is measured on: prefer a setting that refuses no in-scope question over
one that wins by a single item.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

DEFAULT_DATASET = Path(__file__).resolve().parents[1] / "tests" / "data" / "eval" / "dev.jsonl"
GRID = {
    "not_found_threshold": (0.795, 0.80, 0.805, 0.81, 0.815, 0.82, 0.825),
    "not_found_threshold_en": (0.73, 0.74, 0.75, 0.76, 0.77, 0.78),
    "lexical_margin": (0.0, 0.01, 0.02, 0.03, 0.04),
    "weak_lexical": (2.0, 3.0, 4.0),
}


def observe(runtime, items) -> list[tuple[bool, str, float, float]]:
    """(out_of_scope, lang, top dense similarity, top BM25) per item, as the answerer's search sees it."""
    from assistant.answer.understand import QuestionReader
    from assistant.retrieval.types import Filters

    reader = QuestionReader(runtime.plan, runtime.tokenizer)
    rows = []
    for item in items:
        if item.kind == "followup":  # answered from the previous turn, not by this decision
            continue
        q = reader.read(item.question)
        results = runtime.searcher.search(item.question, k=5, filters=Filters(kinds=("project",)))
        rows.append((item.kind == "out_of_scope", q.lang, results.hits[0].dense_score, results.lexical_top))
    return rows


def score(rows, ja: float, en: float, margin: float, weak: float) -> dict:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args(argv)

    from assistant.evaluation.dataset import load_dataset
    from assistant.runtime import load_runtime
    from assistant.settings import Settings

    settings = Settings()
    runtime = load_runtime(settings)
    rows = observe(runtime, load_dataset(args.dataset))
    results = []
    for values in itertools.product(*GRID.values()):
        results.append((dict(zip(GRID, values, strict=True)), score(rows, *values)))
    results.sort(key=lambda r: (-round(r[1]["f1"], 3), r[1]["refused_in_scope"]))
    current = score(
        rows,
        settings.not_found_threshold,
        settings.not_found_threshold_en,
        settings.lexical_margin,
        settings.weak_lexical,
    )
    print(f"{len(rows)} items ({sum(r[0] for r in rows)} out of scope)")
    print(f"current settings: F1 {current['f1']:.3f}, refused in scope {current['refused_in_scope']}")
    for params, s in results[: args.top]:
        knobs = ", ".join(f"{k}={v}" for k, v in params.items())
        print(
            f"F1 {s['f1']:.3f}  P {s['precision']:.3f}  R {s['recall']:.3f}  refused {s['refused_in_scope']}  {knobs}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
