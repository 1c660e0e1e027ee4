"""Measure candidate relevance floors for the staff search page on evaluation questions.

Every question of the file is searched over the whole plan (hybrid, the configured fusion). For each
candidate floor the script counts how many gold targets keep a row above it (a target is kept when any
row satisfying it stays) and how many non-gold hits it drops. A good floor keeps (nearly) every gold row
and drops most of the rest. Out-of-scope questions have no gold: their hits are all non-gold.

    .venv/bin/python scripts/search_floor.py [--index DIR] [FILE ...]   (default: dev_tuning.jsonl)

Tune on dev_tuning.jsonl, check the chosen floor on dev_check.jsonl; never on the holdout files.
The last lines show, for a few one-word staff queries, how many shown hits contain the word.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evaluation.dataset import load_datasets  # noqa: E402
from assistant.evaluation.runner import resolve_targets, retrieval_query  # noqa: E402
from assistant.retrieval.floor import FLOOR_SHARE, above_floor  # noqa: E402
from assistant.runtime import load_runtime  # noqa: E402
from assistant.settings import Settings  # noqa: E402

TUNING = [ROOT / "tests/data/eval/dev_tuning.jsonl"]
SHARES = (0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
KEYWORDS = ("デジタル", "自治会", "未収金", "広報", "オープンデータ")


def candidates() -> dict[str, Callable]:
    """Named floors: hits (best first) → the hits kept."""
    floors: dict[str, Callable] = {"none": list}
    for share in SHARES:
        floors[f"share>={share:.2f}"] = lambda hits, s=share: above_floor(hits, s)
    floors["lexical match"] = lambda hits: [h for h in hits if h.lexical_rank is not None]
    floors["share>=0.30 & lexical"] = lambda hits: [h for h in above_floor(hits, 0.3) if h.lexical_rank is not None]
    return floors


def measure(runtime, items, targets) -> dict[str, dict[str, float]]:
    searcher = runtime.searcher
    depth = len(runtime.plan.projects) + len(runtime.plan.policies) + len(runtime.plan.basic_policies)
    by_id = {item.id: item for item in items}
    floors = candidates()
    totals = {name: {"gold_kept": 0, "gold": 0, "other_dropped": 0, "other": 0, "shown": 0} for name in floors}
    for item in items:
        hits = searcher.search(retrieval_query(item, by_id), k=depth).hits
        gold_ids = {doc for target in targets[item.id] for doc in target.ids}
        for name, floor in floors.items():
            kept = {hit.id for hit in floor(hits)}
            row = totals[name]
            row["gold"] += len(targets[item.id])
            row["gold_kept"] += sum(1 for target in targets[item.id] if target.ids & kept)
            others = [hit.id for hit in hits if hit.id not in gold_ids]
            row["other"] += len(others)
            row["other_dropped"] += sum(1 for doc in others if doc not in kept)
            row["shown"] += len(kept)
    for row in totals.values():
        row["n"] = len(items)
    return totals


def lost_gold(runtime, items, targets) -> list[str]:
    """The gold targets the chosen floor drops, to read what it costs."""
    depth = len(runtime.plan.projects) + len(runtime.plan.policies) + len(runtime.plan.basic_policies)
    by_id = {item.id: item for item in items}
    lost = []
    for item in items:
        hits = runtime.searcher.search(retrieval_query(item, by_id), k=depth).hits
        kept = {hit.id for hit in above_floor(hits)}
        rank = {hit.id: n for n, hit in enumerate(hits, start=1)}
        for target in targets[item.id]:
            if not target.ids & kept:
                best = min(rank.get(doc, depth) for doc in target.ids)
                lost.append(f"  {item.id} ({item.kind}): {target.label} (rank {best}; {len(kept)} shown)")
    return lost


def print_table(title: str, totals: dict[str, dict[str, float]]) -> None:
    print(title)
    print(f"  {'floor':<24} {'gold kept':>16} {'non-gold dropped':>20} {'mean shown':>11}")
    for name, row in totals.items():
        gold = f"{row['gold_kept']}/{row['gold']} ({row['gold_kept'] / max(row['gold'], 1):.1%})"
        other = f"{row['other_dropped']}/{row['other']} ({row['other_dropped'] / max(row['other'], 1):.1%})"
        print(f"  {name:<24} {gold:>16} {other:>20} {row['shown'] / max(row['n'], 1):>11.1f}")


def keyword_check(runtime) -> None:
    """One-word queries as staff type them: shown hits, and how many contain the word in name or text."""
    plan, depth = runtime.plan, 200
    print(f"one-word queries at the chosen floor (share>={FLOOR_SHARE:.2f}): shown / containing the word")
    for word in KEYWORDS:
        hits = runtime.searcher.search(word, k=depth).hits
        for label, kept in (("no floor, top 50", hits[:50]), ("floor", above_floor(hits))):
            contains = sum(1 for hit in kept if word in _text(plan, hit))
            print(f"  {word:<10} {label:<17} {len(kept):>3} shown, {contains:>3} contain it")


def _text(plan, hit) -> str:
    project = plan.project(hit.id)
    if project is not None:
        return " ".join([project.name, *project.summary_lines])
    node = plan.node(hit.id)
    return f"{hit.name} {hit.excerpt} {getattr(node, 'title', '')}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=TUNING)
    parser.add_argument("--index", type=Path, help="index folder (default: the configured index_dir)")
    args = parser.parse_args()
    settings = Settings(index_dir=args.index) if args.index else Settings()
    runtime = load_runtime(settings)
    items = load_datasets(args.files)
    targets = resolve_targets(runtime.plan, items)
    names = ", ".join(path.name for path in args.files)
    print(f"model {settings.model_dir.name}, fusion {runtime.searcher.fusion}, {len(items)} questions ({names})")
    print_table("candidate floors over the whole ranking:", measure(runtime, items, targets))
    lost = lost_gold(runtime, items, targets)
    print(f"gold targets below the chosen floor (share>={FLOOR_SHARE:.2f}): {len(lost)}", *lost, sep="\n")
    keyword_check(runtime)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
