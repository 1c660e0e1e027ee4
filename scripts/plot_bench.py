"""Regenerate the figures and tables of docs/performance.md from the saved benchmark results.

    .venv/bin/python scripts/plot_bench.py

Reads ``docs/bench/bench.json`` (``scripts/bench.py --json``) and ``docs/bench/scale.json``
(``scripts/scale_bench.py --json``), draws ``docs/img/perf-chat-latency.png`` and
``docs/img/perf-latency-vs-corpus.png``, and rewrites the tables between the ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->`` markers in docs/performance.md, so the prose never has to be edited for new numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on the servers this runs on
import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "docs" / "bench" / "bench.json"
SCALE = ROOT / "docs" / "bench" / "scale.json"
DOC = ROOT / "docs" / "performance.md"
IMG = ROOT / "docs" / "img"


def _md(headers: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    out += ["| " + " | ".join("–" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(out)


def _f(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


# --- bench.json ------------------------------------------------------------------------------------------


def plot_chat(bench: dict, path: Path) -> None:
    raw = bench["details"]["raw_ms"]
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    for key, label, color in [
        ("floor", "encoder alone (floor)", "0.5"),
        ("chat", "/api/chat, fresh questions", "tab:blue"),
        ("repeat", "/api/chat, repeated questions", "tab:green"),
        ("search", "/api/search, fresh", "tab:orange"),
    ]:
        values = np.sort(np.asarray(raw[key]))
        ax.step(
            values,
            np.arange(1, len(values) + 1) / len(values),
            where="post",
            label=f"{label} (n={len(values)})",
            color=color,
        )
    floor = bench["floor_ms"]
    ax.axvline(
        1.3 * floor, color="tab:red", linestyle="--", linewidth=1, label=f"1.3 × floor p50 = {1.3 * floor:.0f} ms"
    )
    ax.axvline(5, color="tab:green", linestyle=":", linewidth=1, label="5 ms (repeat target)")
    ax.set_xscale("log")
    ax.set_xlabel("latency per request, ms (log scale; client side over HTTP)")
    ax.set_ylabel("fraction of requests ≤ x")
    ax.set_title("Latency distribution, one client (all rounds)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="center", bbox_to_anchor=(0.42, 0.42), fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def bench_tables(bench: dict) -> dict[str, str]:
    d, n = bench["details"], bench["noise"]
    head = [
        ["model / encoder", f"{bench.get('model', '?')} / {bench.get('encoder_backend', '?')}", "", ""],
        ["floor: one question encoded by the server's encoder (p50)", _f(bench["floor_ms"]), "ms", "< baseline"],
        ["same model through `SentenceTransformer.encode` (p50)", _f(bench["floor_st_encode_ms"]), "ms", ""],
        ["baseline: e5-small through sentence-transformers (p50)", _f(bench.get("baseline_floor_ms")), "ms", ""],
        [
            "`/api/chat` fresh p50 / p95 / p99",
            f"{_f(bench['chat_p50_ms'])} / {_f(bench['chat_p95_ms'])} / {_f(bench['chat_p99_ms'])}",
            "ms",
            "",
        ],
        ["`/api/chat` fresh p50 ÷ floor", _f(bench["chat_floor_ratio"], 2), "×", "≤ 1.3"],
        [
            "`/api/chat` repeated p50 / p95",
            f"{_f(bench['repeat_p50_ms'])} / {_f(bench['repeat_p95_ms'])}",
            "ms",
            "p50 ≤ 5",
        ],
        [
            "`/api/search` fresh p50 / p95 / p99",
            f"{_f(bench['search_p50_ms'])} / {_f(bench['search_p95_ms'])} / {_f(bench['search_p99_ms'])}",
            "ms",
            "",
        ],
        ["`/api/search` fresh p50 inside the searcher (`took_ms`)", _f(bench["search_server_p50_ms"]), "ms", ""],
        ["`/api/search` repeated p50", _f(bench["search_repeat_p50_ms"]), "ms", ""],
        ["encoder alone, best of 1 and 2 threads", _f(bench["encoder_qps"]), "questions/s", ""],
        ["8 clients: throughput", _f(bench["rps_8_clients"]), "requests/s", ""],
        ["8 clients ÷ encoder alone", _f(bench["rps_8_vs_encoder"], 2), "×", "≥ 0.9"],
        [
            "CPU per request at 8 clients / per encoding alone",
            f"{_f(bench['server_cpu_ms_per_request_8'])} / {_f(bench['encoder_cpu_ms_per_query'])}",
            "CPU ms",
            "",
        ],
        ["cold start: process start → `/readyz` 200", _f(bench["cold_start_s"]), "s", "≤ 5"],
        [
            "index build, chapter H: command wall / in-build",
            f"{_f(bench['index_build_s'])} / {_f(bench['index_build_internal_s'])}",
            "s",
            "≤ 15",
        ],
        [
            "server peak RSS (VmHWM) = anon + file-backed",
            f"{_f(bench['rss_mb'], 0)} = {_f(bench['rss_anon_mb'], 0)} + {_f(bench['rss_file_mb'], 0)}",
            "MB",
            "",
        ],
        ["server PSS (shared pages divided among their sharers)", _f(bench.get("pss_mb"), 0), "MB", "≤ 800"],
        ["errors, all phases", bench["errors"], "", "0"],
    ]
    clients = [
        [
            c["clients"],
            _f(c["rps"]),
            _f(c["latency_ms"].get("p50")),
            _f(c["latency_ms"].get("p95")),
            c["errors"],
            _f(c["server_cpu_ms_per_request"]),
            _f(c["cpu"]["foreign_cores"] + c["cpu"]["steal_cores"], 2),
        ]
        for c in d["concurrency"]
    ]
    rounds = ", ".join(
        f"{k.split('_')[0]} {v:.0%}" for k, v in n.items() if k.endswith("_p50_spread") and v is not None
    )
    noise = (
        f"Run of {d['machine']['date']} on {d['machine']['cpu']} × {d['machine']['cores']} cores, {len(d['rounds'])} rounds, "
        f"{d['index_build']['chunks'] if d.get('index_build') else '?'} chunks; spread of p50 over rounds: {rounds}; "
        f"cold start spread {n['cold_start_spread']:.0%}; other processes and hypervisor steal took "
        f"{n['others_cores_median']:.2f} cores (median over phases, max {n['others_cores_max']:.2f}) of {d['machine']['cores']}."
    )
    return {
        "models": models_table(bench),
        "headline": _md(["measure", "value", "unit", "target"], head) + "\n\n" + noise,
        "clients": _md(
            ["clients", "req/s", "p50 ms", "p95 ms", "errors", "server CPU ms/req", "cores taken by others"], clients
        ),
    }


MODEL_FIGURES = [
    ("floor_ms", "floor (server's encoder) ms"),
    ("baseline_floor_ms", "baseline floor (e5-small, sentence-transformers) ms"),
    ("floor_st_encode_ms", "same model through sentence-transformers ms"),
    ("chat_p50_ms", "`/api/chat` fresh p50 ms"),
    ("chat_p95_ms", "`/api/chat` fresh p95 ms"),
    ("chat_floor_ratio", "`/api/chat` p50 ÷ floor"),
    ("cold_start_s", "cold start s"),
    ("index_build_s", "index build (command) s"),
    ("pss_mb", "server PSS MB"),
    ("rss_mb", "server peak RSS MB"),
    ("rps_8_clients", "8 clients req/s"),
    ("encoder_qps", "encoder alone q/s"),
    ("rps_8_vs_encoder", "8 clients ÷ encoder alone"),
]


def models_table(bench: dict) -> str:
    """Every benchmarked model side by side (bench.py --models), from one run."""
    models = bench.get("models") or {bench.get("model", "model"): bench}
    rows = [
        [label, *(_f(m.get(key), 2 if "÷" in label else 1) for m in models.values())] for key, label in MODEL_FIGURES
    ]
    return _md(["figure", *models], rows)


def plot_models(bench: dict, path: Path) -> None:
    """Bars of the figures people compare models by: floor, chat latency, cold start and memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = bench.get("models") or {}
    if len(models) < 2:
        return
    panels = [("floor_ms", "floor (ms)"), ("chat_p50_ms", "/api/chat p50 (ms)"), ("cold_start_s", "cold start (s)"),
              ("pss_mb", "server PSS (MB)")]  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 3.2))
    for ax, (key, title) in zip(axes, panels, strict=True):
        names = list(models)
        ax.bar(names, [models[n].get(key) or 0 for n in names], color=["#1f77b4", "#ff7f0e", "#2ca02c"][: len(names)])
        if key == "floor_ms" and models[names[0]].get("baseline_floor_ms"):
            ax.axhline(models[names[0]]["baseline_floor_ms"], color="grey", linestyle="--", label="e5 via ST")
            ax.legend(fontsize=7)
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --- scale.json ------------------------------------------------------------------------------------------


def _series(row: dict) -> str:
    """One line per configuration across sizes (IVF's list count grows with the corpus)."""
    if row["index"] == "Flat":
        return "exact (Flat)"
    if row["index"].startswith("HNSW"):
        built = " efConstruction=200" if row.get("ef_construction") else ""
        return f"HNSW32{built} efSearch={row['knob'] or 128}" + (" (default)" if row["default"] else "")
    return f"IVF (√N·4 lists) nprobe={row['knob']}"


# The plot keeps the configurations worth comparing; docs/performance.md's table has every one.
PLOTTED = (
    "exact (Flat)",
    "HNSW32 efSearch=128 (default)",
    "HNSW32 efSearch=512",
    "HNSW32 efSearch=1024",
    "HNSW32 efConstruction=200 efSearch=512",
    "IVF (√N·4 lists) nprobe=64",
)


def plot_scale(scale: dict, path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), dpi=110)
    series: dict[str, list] = {}
    for row in scale["dense"]:
        series.setdefault(_series(row), []).append(row)
    for name in PLOTTED:
        rows = sorted(series.get(name, []), key=lambda r: r["n"])
        if not rows:
            continue
        xs = [r["n"] for r in rows]
        (line,) = left.plot(xs, [r["k200"]["p95_ms"] for r in rows], marker="o", label=name)
        if name != "exact (Flat)":
            right.plot(xs, [r["recall10_at_k200"] for r in rows], marker="o", label=name, color=line.get_color())
    bm25 = sorted(scale.get("bm25", []), key=lambda r: r["n"])
    if bm25:
        xs = [r["n"] for r in bm25]
        left.plot(xs, [r["query"]["p95_ms"] for r in bm25], "s--", color="0.4", label="BM25 scores() incl. Sudachi")
        left.plot(
            xs, [r["per_doc_loop"]["p95_ms"] for r in bm25], "s:", color="0.1", label="searcher's per-document loop"
        )
    left.axhline(20, color="tab:red", linestyle=":", linewidth=1, label="20 ms target (p95 at 100k)")
    left.set(xscale="log", yscale="log", xlabel="chunks (log)", ylabel="p95 per query, ms (log)")
    left.set_title("Search latency at k=200, encoding excluded")
    right.axhline(0.95, color="tab:red", linestyle=":", linewidth=1, label="0.95 target")
    right.set(xscale="log", xlabel="chunks (log)", ylabel="recall@10 against exact search")
    right.set_title("Recall of approximate search (real queries)")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _dense_row(r: dict) -> list:
    k10, k200 = r["k10"], r["k200"]
    return [
        f"{r['n']:,}",
        f"`{r['factory']}`",
        _f(r["build_s"], 2),
        _f(r["index_mb"]),
        *(_f(v, 2) for v in (k10["p50_ms"], k10["p95_ms"], k200["p50_ms"], k200["p95_ms"])),
        _f(r["recall10_at_k200"], 3),
        _f(max(0.0, r["sim_loss10"]), 4),  # exact search's own "loss" is float noise around 0
    ]


def _bm25_cells(r: dict) -> list:
    loop = r["per_doc_loop"]
    return [
        _f(r["query"]["p50_ms"], 2),
        _f(r["query"]["p95_ms"], 2),
        f"{r['matched_docs_p50']:,}",
        f"{_f(loop['p50_ms'], 2)} / {_f(loop['p95_ms'], 2)}",
    ]


def scale_tables(scale: dict) -> dict[str, str]:
    def kind(r: dict) -> int:
        return 0 if r["index"] == "Flat" else 1 if r["index"].startswith("HNSW") else 2

    order = sorted(scale["dense"], key=lambda r: (r["n"], kind(r), r.get("ef_construction") or 0, r["knob"] or 0))
    dense = [_dense_row(r) for r in order]
    heads = ["chunks", "index", "build s", "size MB", "k=10 p50", "k=10 p95", "k=200 p50", "k=200 p95"]
    heads += ["recall@10", "similarity lost"]
    bm25 = [
        [f"{r['n']:,}", _f(r["tokenize_s"]), _f(r["index_s"], 2), _f(r["index_mb"]), *_bm25_cells(r)]
        for r in scale.get("bm25", [])
    ]
    real, c = scale.get("realism", {}), scale["crossover"]
    notes = (
        f"Pool of {scale['pool']} rows embedded with the real model, mixtures with σ = {scale['noise_sigma']}; "
        f"{scale['queries']} real dev-set queries. Median similarity to the nearest neighbour: real row → nearest "
        f"other real row {real.get('real_row_to_nearest_real')}, mixture → nearest pool row "
        f"{real.get('mixture_to_nearest_pool')}; query → best row: real pool {real.get('query_to_best_row_real_pool')}, "
        f"full synthetic corpus {real.get('query_to_best_row_synthetic')}. Run of {scale['machine']['date']}, "
        f"{scale['bench_seconds']:.0f} s. "
    )
    faster = c.get("hnsw_faster_from")
    notes += (
        f"HNSW32 is faster than Flat (k=200 p95) from {faster:,} chunks on." if faster else "HNSW32 was never faster."
    )
    bm25_heads = ["chunks", "Sudachi tokenize s", "bm25s index s", "size MB", "query p50 ms", "query p95 ms"]
    return {
        "dense": _md(heads, dense) + "\n\n" + notes,
        "bm25": _md([*bm25_heads, "chunks matched (p50)", "per-document loop p50 / p95 ms"], bm25),
    }


def fill(doc: str, blocks: dict[str, str]) -> str:
    for name, body in blocks.items():
        pattern = re.compile(rf"(<!-- bench:{name} -->).*?(<!-- /bench:{name} -->)", re.S)
        if not pattern.search(doc):
            print(f"warning: no <!-- bench:{name} --> block in {DOC.name}", file=sys.stderr)
        doc = pattern.sub(lambda m, body=body: f"{m.group(1)}\n{body}\n{m.group(2)}", doc)
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=BENCH)
    parser.add_argument("--scale", type=Path, default=SCALE)
    args = parser.parse_args(argv)
    IMG.mkdir(parents=True, exist_ok=True)
    blocks: dict[str, str] = {}
    if args.bench.exists():
        bench = json.loads(args.bench.read_text(encoding="utf-8"))
        plot_chat(bench, IMG / "perf-chat-latency.png")
        plot_models(bench, IMG / "perf-models.png")
        blocks |= bench_tables(bench)
    if args.scale.exists():
        scale = json.loads(args.scale.read_text(encoding="utf-8"))
        plot_scale(scale, IMG / "perf-latency-vs-corpus.png")
        blocks |= scale_tables(scale)
    if DOC.exists():
        DOC.write_text(fill(DOC.read_text(encoding="utf-8"), blocks), encoding="utf-8")
    print(f"updated {len(blocks)} table(s) in {DOC.relative_to(ROOT)} and the plots in {IMG.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
