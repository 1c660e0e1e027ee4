"""End-to-end benchmark of the assistant on this machine: the encoding floor, HTTP latency, throughput,
cold start, index build time and server memory, in one run, for every catalogue model side by side.

    .venv/bin/python scripts/bench.py [--quick] [--json PATH] [--rounds 3] [--duration 15]

What is measured, and how:

* **floor** — one question encoded by the model alone, in this process, built by
  ``assistant.runtime.make_encoder`` exactly as the server builds it (``encode_queries([q])``, no cache);
  median over every dev-set question. **encoder throughput** — the same, from 1 and 2 threads for a fixed
  time: the most the encoder alone does on this machine, which the 8-client figure is judged against.
* **index build** — ``python -m assistant index build`` into a fresh temporary folder (nothing to reuse):
  wall time of the command, and the ``build_seconds`` the build itself records.
* **cold start** — from starting ``python -m assistant serve`` to the first ``/readyz`` 200, polled every
  50 ms (page cache warm). The last server started serves the rest, on the index just built.
* **HTTP, one client** — ``POST /api/chat`` and ``GET /api/search`` over keep-alive HTTP. *Fresh*
  questions are dev-set questions wrapped in ways no cache has seen (``benchlib.common.fresh_questions``);
  *repeated* ones are the same texts sent again. Rounds interleave floor, chat and search so drift hits all
  alike; figures are medians over rounds, and the spread over rounds is the noise.
* **concurrency** — N client threads sending fresh chat questions for a fixed time; requests per second
  with every error counted (any status but 200, any exception).
* **RSS / PSS** — the server's peak resident set (``VmHWM`` in /proc/<pid>/status) and its proportional set
  size (``Pss`` in smaps_rollup, shared pages divided among their sharers) at the end of the run.
* **models** — every phase runs for each model of ``--models`` (default: the default model, then e5-small);
  ``baseline_floor_ms`` is e5-small through sentence-transformers, measured in the same rounds, which the
  default model's floor must beat.

The server runs with ``ASSISTANT_RATE_LIMIT=1000000/minute``: the default (60/minute per client) would
turn a benchmark from one address into 429s. Its feedback database goes to the temporary folder. Other
processes on a shared machine take CPU; every phase reports how many cores they took (``foreign_cores``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from benchlib.common import (
    ROOT,
    CpuMeter,
    across_rounds,
    dev_questions,
    fresh_questions,
    log,
    machine,
    proc_status,
    summarize,
    table,
    write_json,
)
from benchlib.live import Errors, chat, concurrent_chat, ms_since, search, start_server

from assistant.liveserver import python_executable

RATE_LIMIT = "1000000/minute"


# --- the encoder alone -------------------------------------------------------------------------------


def load_encoder(model: str):
    """The encoder exactly as the server builds it for ``model`` (its ONNX export when installed)."""
    from assistant.runtime import make_encoder
    from assistant.settings import Settings

    started = time.perf_counter()
    encoder = make_encoder(Settings(model=model))
    encoder.encode_queries(["ウォームアップ"])  # first call allocates; not part of any figure
    return encoder, time.perf_counter() - started


def load_st_encoder(model: str):
    """``model`` through sentence-transformers (the same folder), for the per-model ST floor."""
    from assistant.embedding.encoder import SentenceTransformerEncoder
    from assistant.settings import Settings

    encoder = SentenceTransformerEncoder(Settings(model=model).model_dir)
    encoder.encode_queries(["ウォームアップ"])
    return encoder


def floor_round(encoder, st_encoder, baseline, questions: list[str]) -> tuple[list[float], ...]:
    """ms per question: the server's encoder (``encode_queries``), the same model through
    sentence-transformers' own ``encode`` (how the floor was first measured), and the baseline (e5-small
    through sentence-transformers, today's floor), alternating so all three meet the same load."""
    ours, library, base = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        encoder.encode_queries([q])
        ours.append(ms_since(t0))
        t0 = time.perf_counter()
        st_encoder.model.encode([q], prompt=st_encoder.query_prompt, normalize_embeddings=True, show_progress_bar=False)
        library.append(ms_since(t0))
        t0 = time.perf_counter()
        baseline.encode_queries([q])
        base.append(ms_since(t0))
    return ours, library, base


def encoder_throughput(encoder, questions: list[str], workers: int, seconds: float) -> dict:
    """Questions per second with ``workers`` threads each encoding one question at a time."""
    counts = [0] * workers
    stop = time.perf_counter() + seconds

    def work(w: int) -> None:
        for q in itertools.cycle(questions[w::workers]):
            if time.perf_counter() >= stop:
                return
            encoder.encode_queries([q])
            counts[w] += 1

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    with CpuMeter() as cpu:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    done = sum(counts)
    return {"qps": round(done / cpu.wall, 2), "cpu_ms_per_query": round(cpu.cpu_s["self"] * 1000 / done, 2)} | {
        "cpu": cpu.to_dict()
    }


# --- index build and server start ----------------------------------------------------------------------


def build_index(index_dir: Path, model: str) -> dict:
    command = [python_executable(), "-m", "assistant", "index", "build"]
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_MODEL": model}
    with CpuMeter() as cpu:
        t0 = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"index build failed:\n{done.stderr}")
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    return {"wall_s": round(wall, 2), "build_seconds": manifest["build_seconds"], "chunks": manifest["n_chunks"]} | {
        "cpu": cpu.to_dict()
    }


# --- the run --------------------------------------------------------------------------------------------


def single_client_round(client, encoders, questions: list[str], stream, errors: Errors, raw: dict) -> dict:
    """One round: the floors, then fresh and repeated chat, then fresh and repeated search."""
    n = len(questions)
    ours, library, base = floor_round(*encoders, questions)
    raw["floor"] += ours
    raw["floor_st"] += library
    raw["baseline_floor"] += base
    asked = [next(stream) for _ in range(n)]
    fresh = [chat(client, q, errors) for q in asked]
    raw["chat"] += [ms for ms, _ in fresh]
    raw["repeat"] += [chat(client, q, errors)[0] for q in asked]
    searched = [next(stream) for _ in range(n)]
    first = [search(client, q, errors) for q in searched]
    raw["search"] += [ms for ms, _ in first]
    raw["search_server"] += [took for _, took in first if took is not None]
    raw["search_repeat"] += [search(client, q, errors)[0] for q in searched]
    out = {kind: summarize(values[-n:]) for kind, values in raw.items()}
    out["answer_types"] = [answer_type for _, answer_type in fresh]
    return out


def run(args: argparse.Namespace, workdir: Path, model: str, baseline) -> dict:
    """Every phase for one model; ``baseline`` is e5-small through sentence-transformers (today's floor)."""
    result: dict = {"mode": "quick" if args.quick else "full", "machine": machine(), "rate_limit": RATE_LIMIT}
    result["model"] = model
    questions = [item["question"] for item in dev_questions()]
    stream = fresh_questions()

    log(f"[{model}] loading the encoder in this process (for the floor), as the server builds it")
    encoder, load_s = load_encoder(model)
    encoders = (encoder, load_st_encoder(model), baseline)
    import torch  # already loaded by the sentence-transformers encoders

    result |= {"bench_encoder_load_s": round(load_s, 2), "torch_threads": torch.get_num_threads()}
    result |= {"encoder_backend": encoder.backend, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY")}

    if args.index:
        index_dir, result["index_build"] = Path(args.index).resolve(), None
    else:
        index_dir = workdir / model / "index" / "current"
        log("building a fresh index (python -m assistant index build)")
        result["index_build"] = build_index(index_dir, model)
        log(f"  built in {result['index_build']['wall_s']} s")

    env = {
        "ASSISTANT_MODEL": model,
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_RATE_LIMIT": RATE_LIMIT,
        "ASSISTANT_FEEDBACK_DB": str(workdir / "feedback.sqlite3"),
    }
    if not args.quick:
        log("start-up steps, timed one by one in a fresh interpreter (scripts/benchlib/startup.py)")
        script = [python_executable(), str(Path(__file__).parent / "benchlib" / "startup.py")]
        done = subprocess.run(script, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
        result["startup_steps_s"] = json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-500:]}
    colds, cold_cpu, server = [], [], None
    for n in range(args.cold_starts):
        if server is not None:
            server.stop()
        log(f"cold start {n + 1}/{args.cold_starts}")
        server, cold, cpu = start_server(workdir, env)
        colds.append(cold)
        cold_cpu.append(cpu)
        log(f"  ready after {cold:.2f} s")
    result["cold_start"] = across_rounds(colds) | {"cpu": cold_cpu}
    pid = server.proc.pid
    result["rss_at_ready"] = proc_status(pid)
    errors = Errors()
    try:
        rounds, cpus = [], []
        raw: dict[str, list] = {
            k: []
            for k in (
                "floor",
                "floor_st",
                "baseline_floor",
                "chat",
                "repeat",
                "search",
                "search_server",
                "search_repeat",
            )
        }
        with httpx.Client(base_url=server.url, timeout=60.0) as client:
            for warm in questions[:3]:  # connection and first-request paths; not counted
                chat(client, warm + "（準備）", errors)
                search(client, warm + "（準備）", errors)
            for r in range(args.rounds):
                log(f"round {r + 1}/{args.rounds}: floor, chat (fresh, repeated), search (fresh, repeated)")
                with CpuMeter([pid]) as cpu:
                    rounds.append(
                        single_client_round(client, encoders, questions[: args.per_round], stream, errors, raw)
                    )
                cpus.append(cpu.to_dict())
        answer_types = [t for r in rounds for t in r.pop("answer_types")]
        result |= {
            "rounds": rounds,
            "rounds_cpu": cpus,
            "raw_ms": {k: [round(v, 2) for v in vs] for k, vs in raw.items()},
        }
        result["answer_types_fresh"] = {str(t): answer_types.count(t) for t in sorted(set(answer_types), key=str)}

        # The encoder alone, measured right before the clients so both meet the same machine load.
        throughput = {}
        for workers in (1, 2):
            log(f"encoder alone, {workers} thread(s), {args.encoder_seconds:.0f} s")
            throughput[workers] = encoder_throughput(encoder, questions, workers, args.encoder_seconds)
        result["encoder_throughput"] = throughput
        result["encoder_qps"] = max(t["qps"] for t in throughput.values())

        concurrency = []
        for clients in args.clients:
            log(f"{clients} concurrent client(s), fresh chat questions, {args.duration:.0f} s")
            concurrency.append(concurrent_chat(server.url, clients, args.duration, stream, errors, pid))
            log(f"  {concurrency[-1]['rps']} requests/s, {concurrency[-1]['errors']} errors")
        result["concurrency"] = concurrency
        result["rss_at_end"] = proc_status(pid)
    finally:
        server.stop()
    result["errors"] = errors.count
    result["error_samples"] = errors.samples
    return result


def headline(result: dict) -> dict:
    """The figures issue #6 steers by (medians over rounds), plus their noise."""
    rounds = result["rounds"]

    def med(kind: str, stat: str = "p50") -> dict:
        return across_rounds([r[kind][stat] for r in rounds])

    by_clients = {c["clients"]: c for c in result["concurrency"]}
    rps8, build = by_clients.get(8, {}).get("rps"), result.get("index_build") or {}
    best_encoder = max(result["encoder_throughput"].values(), key=lambda t: t["qps"])
    out = {
        "model": result["model"],
        "encoder_backend": result["encoder_backend"],
        "floor_ms": med("floor")["median"],
        "floor_st_encode_ms": med("floor_st")["median"],
        "baseline_floor_ms": med("baseline_floor")["median"],
        "chat_p50_ms": med("chat")["median"],
        "chat_p95_ms": med("chat", "p95")["median"],
        "chat_p99_ms": med("chat", "p99")["median"],
        "chat_floor_ratio": across_rounds([r["chat"]["p50"] / r["floor"]["p50"] for r in rounds])["median"],
        "repeat_p50_ms": med("repeat")["median"],
        "repeat_p95_ms": med("repeat", "p95")["median"],
        "search_p50_ms": med("search")["median"],
        "search_p95_ms": med("search", "p95")["median"],
        "search_p99_ms": med("search", "p99")["median"],
        "search_server_p50_ms": med("search_server")["median"],
        "search_repeat_p50_ms": med("search_repeat")["median"],
        "cold_start_s": result["cold_start"]["median"],
        "index_build_s": build.get("wall_s"),
        "index_build_internal_s": build.get("build_seconds"),
        "index_chunks": build.get("chunks"),
        "rss_mb": result["rss_at_end"].get("VmHWM"),
        "rss_anon_mb": result["rss_at_end"].get("RssAnon"),
        "rss_file_mb": result["rss_at_end"].get("RssFile"),
        "pss_mb": result["rss_at_end"].get("Pss"),
        "rps_8_clients": rps8,
        "encoder_qps": result["encoder_qps"],
        "rps_8_vs_encoder": round(rps8 / result["encoder_qps"], 3) if rps8 else None,
        "server_cpu_ms_per_request_8": by_clients.get(8, {}).get("server_cpu_ms_per_request"),
        "encoder_cpu_ms_per_query": best_encoder["cpu_ms_per_query"],
        "errors": result["errors"],
    }
    phases = result["rounds_cpu"] + [c["cpu"] for c in result["concurrency"]]
    phases += [t["cpu"] for t in result["encoder_throughput"].values()]
    out["noise"] = {f"{k}_p50_spread": med(k)["spread"] for k in ("floor", "chat", "repeat", "search")}
    out["noise"] |= {"cold_start_spread": result["cold_start"].get("spread")}
    taken = [c["foreign_cores"] + c["steal_cores"] for c in phases]  # CPU this run could not have
    out["noise"] |= {"others_cores_median": round(statistics.median(taken), 2), "others_cores_max": max(taken)}
    return out


def _trio(*values) -> str:
    return " / ".join("–" if v is None else f"{v:.1f}" for v in values)


def report(result: dict) -> str:
    h, n = result["headline"], result["headline"]["noise"]
    rows = [
        ["model / encoder", f"{h['model']} / {h['encoder_backend']}", "", ""],
        ["floor: one question encoded by the model alone", h["floor_ms"], "ms", "median of round p50s"],
        ["  same model through SentenceTransformer.encode", h["floor_st_encode_ms"], "ms", ""],
        ["  baseline: e5-small through sentence-transformers", h["baseline_floor_ms"], "ms", "floor must beat it"],
        ["/api/chat fresh p50 / p95 / p99", _trio(h["chat_p50_ms"], h["chat_p95_ms"], h["chat_p99_ms"]), "ms", ""],
        ["/api/chat fresh p50 ÷ floor", h["chat_floor_ratio"], "×", "target ≤ 1.3"],
        ["/api/chat repeated p50 / p95", _trio(h["repeat_p50_ms"], h["repeat_p95_ms"]), "ms", "target p50 ≤ 5"],
        [
            "/api/search fresh p50 / p95 / p99",
            _trio(h["search_p50_ms"], h["search_p95_ms"], h["search_p99_ms"]),
            "ms",
            "",
        ],
        ["/api/search fresh p50 inside the searcher", h["search_server_p50_ms"], "ms", "took_ms"],
        ["/api/search repeated p50", h["search_repeat_p50_ms"], "ms", ""],
        [
            "encoder alone (best of 1 and 2 threads)",
            h["encoder_qps"],
            "q/s",
            f"{h['encoder_cpu_ms_per_query']} CPU ms/q",
        ],
    ]
    for c in result["concurrency"]:
        note = f"{c['errors']} errors, {c['server_cpu_ms_per_request']} CPU ms/req"
        rows.append(
            [
                f"{c['clients']} client(s): throughput, p50",
                f"{c['rps']}, {c['latency_ms'].get('p50', 0):.0f} ms",
                "req/s",
                note,
            ]
        )
    rows += [
        ["8 clients ÷ encoder alone", h["rps_8_vs_encoder"], "×", "target ≥ 0.9"],
        ["cold start: process → /readyz", h["cold_start_s"], "s", "target ≤ 5"],
        [
            "index build: command / in-build",
            _trio(h["index_build_s"], h["index_build_internal_s"]),
            "s",
            f"{h['index_chunks']} chunks; target ≤ 15",
        ],
        [
            "server peak RSS (VmHWM)",
            h["rss_mb"],
            "MB",
            f"anon {h['rss_anon_mb']} + file-backed {h['rss_file_mb']}",
        ],
        ["server PSS at the end", h["pss_mb"], "MB", "target ≤ 800"],
        ["errors, all phases", h["errors"], "", ""],
    ]
    noise = (
        f"noise: p50 spread over {len(result['rounds'])} round(s): floor {n['floor_p50_spread']:.0%}, chat "
        f"{n['chat_p50_spread']:.0%}, repeat {n['repeat_p50_spread']:.0%}, search {n['search_p50_spread']:.0%}; "
        f"other processes and hypervisor steal took {n['others_cores_median']:.2f} (max {n['others_cores_max']:.2f})"
        f" of {result['machine']['cores']} cores"
    )
    return table(["measure", "value", "unit", "note"], rows) + "\n" + noise


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="one round, short phases, served from index/current (< 1 min)"
    )
    parser.add_argument("--json", metavar="PATH", help="write every figure to this JSON file")
    parser.add_argument("--rounds", type=int, help="single-client rounds (default 3; quick 1)")
    parser.add_argument("--duration", type=float, help="seconds per concurrency level (default 15; quick 5)")
    parser.add_argument("--clients", help="comma-separated client counts (default 1,2,4,8; quick 8)")
    parser.add_argument("--cold-starts", type=int, help="server starts to time (default 3; quick 1)")
    parser.add_argument("--index", help="serve this index folder instead of building a fresh one")
    parser.add_argument(
        "--models", help="comma-separated catalogue profiles, first is the headline (default: the default, e5-small)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.rounds = args.rounds or (1 if quick else 3)
    args.duration = args.duration or (5.0 if quick else 15.0)
    args.clients = [int(c) for c in (args.clients or ("8" if quick else "1,2,4,8")).split(",")]
    args.cold_starts = args.cold_starts or (1 if quick else 3)
    default = str(Settings.model_fields["model"].default)
    args.models = (args.models or ",".join(dict.fromkeys([default, "e5-small"]))).split(",")
    args.encoder_seconds = 2.0 if quick else 8.0
    args.per_round = 30 if quick else 144  # questions per round (the dev set has 144)
    if quick and not args.index:
        args.index = str(ROOT / "index" / "current")
    return args


def comparison(results: list[dict]) -> str:
    """The headline figures of every model side by side."""
    keys = ["floor_ms", "baseline_floor_ms", "chat_p50_ms", "chat_p95_ms", "chat_floor_ratio", "cold_start_s"]
    keys += ["index_build_s", "pss_mb", "rss_mb", "rps_8_clients", "encoder_qps", "rps_8_vs_encoder"]
    rows = [[key, *(r["headline"][key] for r in results)] for key in keys]
    return table(["figure", *(r["model"] for r in results)], rows)


def main(argv: list[str] | None = None) -> int:
    from assistant.embedding.encoder import SentenceTransformerEncoder
    from assistant.settings import Settings

    args = parse_args(argv)
    started = time.perf_counter()
    baseline = SentenceTransformerEncoder(Settings(model="e5-small").model_dir)
    baseline.encode_queries(["ウォームアップ"])
    results = []
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        for model in args.models:
            result = run(args, Path(tmp), model, baseline)
            result["headline"] = headline(result)
            print(report(result))
            results.append(result)
    if len(results) > 1:
        print("\n" + comparison(results))
    bench_seconds = round(time.perf_counter() - started, 1)
    print(f"(bench took {bench_seconds} s)")
    if args.json:
        # Today's keys at the top level are the first (default) model's; every model's under "models".
        first = results[0]
        models = {r["model"]: r["headline"] for r in results}
        details = {**{k: v for k, v in first.items() if k != "headline"}, "others": results[1:]}
        write_json(
            args.json, {**first["headline"], "bench_seconds": bench_seconds, "models": models, "details": details}
        )
        log(f"wrote {args.json}")
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
