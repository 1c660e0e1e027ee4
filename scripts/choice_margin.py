"""Read the choice margin off tuning questions: how close must the two best rows be to offer choices?

For every in-scope search answer of the tuning files (lookup, who, when; not lists, not named rows), records
the best two rows' fused scores and whether the first, or only the second, is a gold row. A reply offers
choices when the runner-up scores at least ``choice_ratio`` of the best: the printed table shows, per ratio,
how many answers would become choices, how many of those the first row had wrong (choices that save a
wrong answer) and right (choices where a direct answer was right), so the ratio can be picked where choices
mostly replace wrong answers.

    .venv/bin/python scripts/choice_margin.py [--index DIR] [FILE ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answer.decide import Context, decide  # noqa: E402
from assistant.answer.service import Answerer  # noqa: E402
from assistant.evaluation.dataset import load_datasets  # noqa: E402
from assistant.evaluation.runner import resolve_targets  # noqa: E402
from assistant.runtime import load_runtime  # noqa: E402
from assistant.settings import Settings  # noqa: E402

TUNING = [ROOT / "tests/data/eval/dev_tuning.jsonl"]
RATIOS = (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.99)


def observations(answerer: Answerer, items, targets) -> list[tuple[float, bool, bool]]:
    found = []
    for item in items:
        if item.kind not in ("lookup", "who", "when"):
            continue
        q = answerer.reader.read(item.question)
        route = decide(q, Context(nothing_to_look_up=answerer.coverage.nothing_to_answer(q)))
        if route.kind != "search":
            continue
        results = answerer.searcher.search(q.text, k=5)
        hits = [h for h in results.hits if h.kind == "project"]
        if len(hits) < 2:
            continue
        gold = {i for t in targets.get(item.id, []) for i in t.ids}
        found.append((hits[1].score / hits[0].score, hits[0].id in gold, hits[1].id in gold))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=TUNING)
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings(**({"index_dir": args.index} if args.index else {}))
    runtime = load_runtime(settings)
    answerer = Answerer(runtime.plan, runtime.searcher, runtime.settings)
    items = load_datasets(args.files)
    seen = observations(answerer, items, resolve_targets(runtime.plan, items))
    print(f"{len(seen)} search answers; first row right: {sum(r for _, r, _ in seen)}")
    print("ratio  choices  first-wrong(second-right)  first-right")
    for ratio in RATIOS:
        close = [(r, s) for x, r, s in seen if x >= ratio]
        wrong = sum(1 for r, _ in close if not r)
        saved = sum(1 for r, s in close if not r and s)
        print(f"{ratio:5.2f}  {len(close):7d}  {wrong:5d} ({saved:3d})              {len(close) - wrong:5d}")


if __name__ == "__main__":
    main()
