"""Run the retriever (and optionally an answerer) over the evaluation items and summarise the scores.

:func:`evaluate` returns one JSON-ready dict (the ``assistant eval --json`` contract): overall retrieval
metrics over in-scope items, the same metrics by kind, language and persona, per-query latency, the top
dense score of out-of-scope vs. in-scope questions (input for the not-found threshold), per-item records
and, when an answerer is given, answer metrics. :func:`cmd_eval` and :func:`add_eval_parser` are the CLI.

This module is imported when the CLI parser is built, so heavy modules are imported inside functions.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.evaluation.dataset import KINDS, DatasetError, EvalItem, load_datasets
from assistant.evaluation.metrics import (
    GoldError,
    GoldTarget,
    best_threshold_below,
    first_gold_rank,
    list_recall,
    mean,
    percentile,
    recall_at_k,
    reciprocal_rank,
    resolve_gold,
    stats,
)

if TYPE_CHECKING:
    from assistant.corpus.plan import Plan
    from assistant.retrieval.search import HybridSearcher
    from assistant.runtime import Runtime

# Kept here rather than imported from assistant.retrieval.search, which pulls in numpy and FAISS.
RETRIEVERS = ("lexical", "dense", "hybrid")
DEPTH = 10  # ranks kept per query: enough for recall@1/5, MRR@10 and list recall@10
WARMUP_QUERY = "ウォームアップ用の問い合わせ"  # not an eval question, so it cannot pre-fill their cache entries


def node_codes(plan: Plan) -> list[str]:
    return [b.code for b in plan.basic_policies] + [p.code for p in plan.policies]


def resolve_targets(plan: Plan, items: Sequence[EvalItem]) -> dict[str, list[GoldTarget]]:
    """Gold targets of every item; a gold the plan lacks fails with the item's line number."""
    codes = node_codes(plan)
    targets: dict[str, list[GoldTarget]] = {}
    problems = []
    for item in items:
        try:
            targets[item.id] = resolve_gold(
                item.gold, plan.projects, kind=item.kind, gold_policy=item.gold_policy, node_codes=codes
            )
        except GoldError as exc:
            problems.append(f"line {item.line} ({item.id}): {exc}")
    if problems:
        raise DatasetError(problems)
    return targets


def retrieval_query(item: EvalItem, by_id: dict[str, EvalItem]) -> str:
    """The text searched for an item. Until answering exists, a follow-up carries its predecessor's
    question as context (the contract: after.question + " " + followup.question)."""
    if item.after is not None:
        return f"{by_id[item.after].question} {item.question}"
    return item.question


def top_dense_score(searcher: HybridSearcher, query: str) -> float | None:
    """Best cosine of any document for ``query`` (uses the searcher's query-vector cache)."""
    scores = searcher.dense_doc_scores(searcher.embed_query(searcher.dense_query(query)), None)
    return max(scores.values()) if scores else None


def run_retrieval(
    searcher: HybridSearcher,
    items: Sequence[EvalItem],
    targets: dict[str, list[GoldTarget]],
    mode: str = "hybrid",
    *,
    with_dense_score: bool = True,
) -> list[dict[str, Any]]:
    """Search every item once and score it; returns one record per item, in file order."""
    by_id = {item.id: item for item in items}
    records = []
    for item in items:
        query = retrieval_query(item, by_id)
        results = searcher.search(query, k=DEPTH, mode=mode)
        ranked = [hit.id for hit in results.hits]
        gold = targets[item.id]
        record: dict[str, Any] = {
            "id": item.id,
            "kind": item.kind,
            "lang": item.lang,
            "persona": item.persona,
            "question": item.question,
            "query": query,
            "gold": [t.label for t in gold],
            "top": [{"id": hit.id, "name": hit.name} for hit in results.hits[:3]],
            "took_ms": results.took_ms,
        }
        if item.in_scope:
            record.update(
                {
                    "gold_rank": first_gold_rank(ranked, gold),
                    "recall@1": recall_at_k(ranked, gold, 1),
                    "recall@5": recall_at_k(ranked, gold, 5),
                    "rr@10": reciprocal_rank(ranked, gold, 10),
                    "list_recall@10": list_recall(ranked, gold, 10) if item.kind == "list" else None,
                }
            )
        if with_dense_score:
            # Outside the timed search on purpose: the score is a diagnostic, not part of serving.
            record["top_dense"] = top_dense_score(searcher, query)
        records.append(record)
    return records


def group_metrics(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """recall@1, recall@5, mrr@10 over in-scope records, list_recall@10 over list records."""
    scored = [r for r in records if "rr@10" in r]
    return {
        "n": len(records),
        "n_scored": len(scored),
        "recall@1": mean(r["recall@1"] for r in scored),
        "recall@5": mean(r["recall@5"] for r in scored),
        "mrr@10": mean(r["rr@10"] for r in scored),
        "list_recall@10": mean(r["list_recall@10"] for r in scored),
    }


def _grouped(records: Sequence[dict[str, Any]], field: str, order: Sequence[str] = ()) -> dict[str, Any]:
    values = [v for v in order if any(r[field] == v for r in records)]
    values += sorted({r[field] for r in records} - set(values))
    return {v: group_metrics([r for r in records if r[field] == v]) for v in values}


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The report body shared by the CLI and the comparison script."""
    overall = group_metrics(records)
    latencies = [r["took_ms"] for r in records]
    report: dict[str, Any] = {
        "n": len(records),
        "n_in_scope": overall["n_scored"],
        "retrieval": {key: overall[key] for key in ("recall@1", "recall@5", "mrr@10", "list_recall@10")},
        "by_kind": _grouped(records, "kind", KINDS),
        "by_lang": _grouped(records, "lang"),
        "by_persona": _grouped(records, "persona"),
        "timing": {
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "mean_ms": mean(latencies),
            "max_ms": max(latencies) if latencies else None,
        },
    }
    if all("top_dense" in r for r in records):
        oos = [r["top_dense"] for r in records if "rr@10" not in r and r["top_dense"] is not None]
        ins = [r["top_dense"] for r in records if "rr@10" in r and r["top_dense"] is not None]
        report["out_of_scope"] = {
            "n": len([r for r in records if "rr@10" not in r]),
            "top_dense": stats(oos),
            "in_scope_top_dense": stats(ins),
            "best_threshold": best_threshold_below(ins, oos),
        }
    return report


def evaluate(
    runtime: Runtime,
    items: Sequence[EvalItem],
    retriever: str = "hybrid",
    answerer: Any = None,
    *,
    warmup: bool = True,
) -> dict[str, Any]:
    """Score ``retriever`` on ``items``; with an ``answerer`` (``answer(message, session_id)``), score answers too."""
    if retriever not in RETRIEVERS:
        raise ValueError(f"unknown retriever {retriever!r} (use {', '.join(RETRIEVERS)})")
    targets = resolve_targets(runtime.plan, items)
    searcher = runtime.searcher
    if warmup:
        # The first encode pays for lazy initialisation; keep it out of the latency figures.
        searcher.search(WARMUP_QUERY, k=DEPTH, mode=retriever)
    records = run_retrieval(searcher, items, targets, retriever)
    report = {
        "retriever": retriever,
        "fusion": {"method": searcher.fusion, "rrf_k": searcher.rrf_k, "dense_weight": searcher.dense_weight},
        **summarize(records),
        "items": records,
    }
    if answerer is not None:
        from assistant.evaluation.answers import evaluate_answers

        report["answers"] = evaluate_answers(runtime.plan, items, targets, answerer)
    return report


def worst_items(records: Sequence[dict[str, Any]], n: int = 15) -> list[dict[str, Any]]:
    """In-scope records ordered worst first: lowest reciprocal rank, then list recall, then recall@5."""
    scored = [r for r in records if "rr@10" in r]

    def badness(record: dict[str, Any]) -> tuple:
        lr = record["list_recall@10"]
        return (record["rr@10"], 1.0 if lr is None else lr, record["recall@5"], record["id"])

    return sorted(scored, key=badness)[:n]


def deep_gold_rank(
    searcher: HybridSearcher, query: str, targets: Sequence[GoldTarget], mode: str, depth: int = 100
) -> int | None:
    """Rank of the first gold over (almost) the whole index, to tell near misses from lost items."""
    ranked = [hit.id for hit in searcher.search(query, k=depth, mode=mode).hits]
    return first_gold_rank(ranked, targets)


# --- CLI -----------------------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace) -> int:
    """``assistant eval FILE [--retriever …] [--json] [--worst N]``."""
    from assistant.cli_common import settings_from_args
    from assistant.evaluation.report import format_report, format_worst
    from assistant.runtime import load_runtime

    # Several files are scored as one set (ids are unique across them): a tuning part with its bank.
    items = load_datasets(args.file)
    runtime = load_runtime(settings_from_args(args))
    answerer = None
    if args.retriever == "hybrid":  # answers are composed from hybrid search, so score them with it
        from assistant.answer.service import Answerer

        answerer = Answerer(runtime.plan, runtime.searcher, runtime.settings)
    report = evaluate(runtime, items, retriever=args.retriever, answerer=answerer)
    report["dataset"] = " + ".join(str(path) for path in args.file)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(format_report(report))
    if args.worst:
        print()
        print(format_worst(worst_items(report["items"], args.worst)))
    return 0


def add_eval_parser(sub: argparse._SubParsersAction, add_paths: Callable[..., None]) -> argparse.ArgumentParser:
    """Register ``eval`` on the top-level sub-parsers (called from assistant/commands.py)."""
    parser = sub.add_parser("eval", help="score retrieval on an evaluation file (JSON Lines)")
    parser.add_argument("file", type=Path, nargs="+", help="evaluation file(s), e.g. tests/data/eval/dev_tuning.jsonl")
    parser.add_argument("--retriever", choices=RETRIEVERS, default="hybrid")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="also list the N worst in-scope items")
    add_paths(parser, "corpus_dir", "index_dir", "model_dir")
    parser.set_defaults(func=cmd_eval)
    return parser
