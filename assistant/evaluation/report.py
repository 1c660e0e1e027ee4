"""Plain-text tables for evaluation reports (the non-JSON output of ``assistant eval`` and the scripts).

Widths are computed with East Asian width in mind, so columns holding Japanese names stay aligned in a
terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

METRICS = ("recall@1", "recall@5", "mrr@10", "list_recall@10")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def clip(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` display columns, marking the cut with …."""
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Numeric columns right-aligned, text columns left-aligned; cells formatted with :func:`fmt`."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(display_width(str(h)), *(display_width(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [
        i > 0 and all(isinstance(row[i], int | float) or row[i] in (None, "-") for row in rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        out = []
        for i, value in enumerate(values):
            pad = " " * (widths[i] - display_width(value))
            out.append(pad + value if numeric[i] else value + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line([str(h) for h in headers]), line(["-" * w for w in widths]), *map(line, cells)])


def metric_rows(report: dict[str, Any]) -> list[list[Any]]:
    """Overall, per-kind and per-language rows of one retrieval report."""
    rows = [["all", report["n_in_scope"], *(report["retrieval"][m] for m in METRICS)]]
    for group in ("by_kind", "by_lang"):
        for name, metrics in report[group].items():
            rows.append([f"{group[3:]}={name}", metrics["n_scored"], *(metrics[m] for m in METRICS)])
    return rows


def format_report(report: dict[str, Any]) -> str:
    fusion = report.get("fusion", {})
    title = f"retriever: {report['retriever']}"
    if report["retriever"] == "hybrid" and fusion:
        title += f" (fusion {fusion['method']}, rrf_k {fusion['rrf_k']}, dense_weight {fusion['dense_weight']})"
    parts = [
        f"{title}; {report['n']} items, {report['n_in_scope']} in scope",
        "",
        table(["group", "n", *METRICS], metric_rows(report)),
        "",
        f"latency per query: p50 {fmt(report['timing']['p50_ms'], 1)} ms, p95 {fmt(report['timing']['p95_ms'], 1)} ms",
    ]
    if "out_of_scope" in report:
        parts += ["", format_dense_scores(report["out_of_scope"])]
    if "answers" in report:
        parts += ["", format_answers(report["answers"])]
    return "\n".join(parts)


def format_dense_scores(oos: dict[str, Any]) -> str:
    keys = ("n", "min", "p5", "p50", "mean", "p95", "max")
    rows = [
        ["out_of_scope", *(oos["top_dense"][k] for k in keys)],
        ["in_scope", *(oos["in_scope_top_dense"][k] for k in keys)],
    ]
    text = "top dense score (best cosine per question)\n" + table(["items", *keys], rows)
    best = oos.get("best_threshold")
    if best:
        text += (
            f"\nbest not-found cut on top dense score (fitted on this set): < {best['threshold']:.4f} "
            f"→ precision {best['precision']:.3f}, recall {best['recall']:.3f}, f1 {best['f1']:.3f}"
        )
    return text


def format_answers(answers: dict[str, Any]) -> str:
    oos = answers["out_of_scope"]
    return "\n".join(
        [
            "answers",
            f"  must_mention (in scope):   {fmt(answers['must_mention'])}",
            f"  not-found P/R/F1:          {fmt(oos['precision'])} / {fmt(oos['recall'])} / {fmt(oos['f1'])}",
            f"  followup recall@5:         {fmt(answers['followup_recall@5'])}",
            f"  wrong department (who):    {answers['wrong_department']} of {answers['n_who']}",
            f"  wrong year (when):         {answers['wrong_year']} of {answers['n_when']}",
            # The retrieval pass has already cached these questions' vectors, so this excludes encoding.
            f"  in-scope refused:          {answers.get('refused_in_scope', 0)} of {answers.get('n_in_scope', 0)}",
            f"  latency p50/p95 (warm):    {fmt(answers['timing']['p50_ms'], 1)} / "
            f"{fmt(answers['timing']['p95_ms'], 1)} ms",
            *format_coverage(answers),
        ]
    )


def format_coverage(answers: dict[str, Any]) -> list[str]:
    """The confusion table (group → outcome) and the reliability table (confidence → share correct)."""
    lines: list[str] = []
    outcomes = ("covered", "partly", "not_covered", "nothing")
    if answers.get("coverage"):
        rows = [[group, *(counts.get(o, 0) for o in outcomes)] for group, counts in answers["coverage"].items()]
        lines += ["", "coverage outcome per question group (follow-ups left out)", table(["group", *outcomes], rows)]
    if answers.get("reliability"):
        rows = [[label, v["n"], fmt(v["correct"])] for label, v in answers["reliability"].items()]
        lines += [
            "",
            "reliability: share of answers correct per confidence label",
            table(["confidence", "n", "correct"], rows),
        ]
    return lines


def format_worst(records: Sequence[dict[str, Any]], width: int = 44) -> str:
    """Worst items: id, kind, rank of the first gold, question, gold and what ranked first."""
    rows = []
    for r in records:
        first = r["top"][0] if r["top"] else {"id": "-", "name": "(nothing)"}
        rank = r.get("deep_rank", r.get("gold_rank"))
        rows.append(
            [
                r["id"],
                r["kind"],
                "-" if rank is None else rank,
                clip(r["question"], width),
                clip(" / ".join(r["gold"]), width),
                # Policy hits are named "H3-1 <title>" already; projects need their id in front.
                clip(
                    first["name"] if first["name"].startswith(first["id"]) else f"{first['id']} {first['name']}", width
                ),
            ]
        )
    return table(["id", "kind", "gold rank", "question", "gold", "ranked first"], rows)
