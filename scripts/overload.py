"""Overload: N clients sending 500-character questions at a real ``assistant serve``, to find the bound.

    .venv/bin/python scripts/overload.py [--clients 1,4,8,16,40] [--seconds 20] [--path chat|search|page]
                                         [--env ASSISTANT_MAX_QUEUED_ENCODES=8 ...] [--json PATH]

Each phase starts N client threads, each with its own keep-alive connection, that send questions as fast as
they are answered for ``--seconds`` (a 503 or 429 is waited out for its Retry-After, capped at 1 s, as the
widget would, so a shed request does not turn into a tight loop). Questions are 500-character windows of the
plan's own text (the most ``/api/chat`` accepts, ``max_message_chars``), each from a different place, so no
cache answers them and every one is a full-length encoding. Printed per phase: requests per second, p50 /
p99 of the answered (200) requests and of every request, the share of 503 (load shed) and of anything else
that is not 200, and the server's peak RSS (``VmHWM`` summed over the server and its workers, sampled every
0.2 s for the live sum as well).

The server is started here with the rate limit raised (every client is 127.0.0.1) and a throw-away question
log; everything else is the production default unless ``--env`` sets it. One server serves every phase in
order, so the peak RSS of a phase includes what earlier phases left (the allocator keeps what it grew to):
the figure to read is the peak over the run, which is the ceiling. ``--fresh`` starts a new server per
phase instead.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.liveserver import LiveServer  # noqa: E402

CHAPTER = ROOT / "corpus" / "nagasaki-plan-2025-chapter-H.txt"


def long_questions(chars: int, seed: int) -> list[str]:
    """Windows of ``chars`` characters of the plan (white space folded, as the API folds it)."""
    text = " ".join(CHAPTER.read_text(encoding="utf-8").split())
    rng = random.Random(seed)
    starts = rng.sample(range(0, len(text) - chars), k=min(20000, len(text) - chars))
    return [text[s : s + chars] for s in starts]


def tree_pids(root: int) -> list[int]:
    """The server and every process below it (uvicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def status_mb(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryWatch(threading.Thread):
    """Samples the summed VmRSS of the server tree; ``peak_hwm`` reads the kernel's own peak (VmHWM)."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.stop, self.peak_rss = root, threading.Event(), 0.0

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.peak_rss = max(self.peak_rss, sum(status_mb(p, "VmRSS") for p in tree_pids(self.root)))

    def peak_hwm(self) -> float:
        return sum(status_mb(p, "VmHWM") for p in tree_pids(self.root))

    def workers_hwm(self) -> list[float]:
        return [round(status_mb(p, "VmHWM")) for p in tree_pids(self.root)]

    def pss_mb(self) -> float:
        """Proportional set size of the tree: pages shared between workers (the model file) counted once."""
        total = 0.0
        for pid in tree_pids(self.root):
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                pass
        return total


def percentile(values: list[float], q: int) -> float:
    if not values:
        return 0.0
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


_seeds = itertools.count(1)  # every client of every phase its own sequence (thread ids are reused)


def client(url: str, path: str, questions: list[str], deadline: float, out: list, lock: threading.Lock) -> None:
    rng = random.Random(next(_seeds))
    with httpx.Client(base_url=url, timeout=60) as http:
        while time.monotonic() < deadline:
            q = rng.choice(questions)
            started = time.perf_counter()
            try:
                if path == "chat":
                    r = http.post("/api/chat", json={"message": q})
                elif path == "search":
                    r = http.get("/api/search", params={"q": q})
                else:
                    r = http.get("/search", params={"q": q[:200]})
                status, retry = r.status_code, float(r.headers.get("retry-after", 0) or 0)
            except httpx.HTTPError as exc:
                status, retry = type(exc).__name__, 0.0
            with lock:
                out.append((status, (time.perf_counter() - started) * 1000))
            if status in (429, 503):
                time.sleep(min(retry, 1.0))


def phase(url: str, server_pid: int, n: int, seconds: float, path: str, questions: list[str]) -> dict:
    samples: list = []
    lock = threading.Lock()
    watch = MemoryWatch(server_pid)
    watch.start()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(url, path, questions, deadline, samples, lock)) for _ in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed = time.perf_counter() - t0
    watch.stop.set()
    watch.join()
    load = os.getloadavg()[0]
    statuses = Counter(s for s, _ in samples)
    ok = [ms for s, ms in samples if s == 200]
    every = [ms for _, ms in samples]
    total = len(samples) or 1
    return {
        "clients": n,
        "requests": len(samples),
        "req_per_s": round(len(samples) / elapsed, 1),
        "answered_per_s": round(len(ok) / elapsed, 1),
        "ok_p50_ms": round(percentile(ok, 50)),
        "ok_p99_ms": round(percentile(ok, 99)),
        "all_p99_ms": round(percentile(every, 99)),
        "share_503": round(statuses.get(503, 0) / total, 3),
        "share_other": round(sum(v for k, v in statuses.items() if k not in (200, 503)) / total, 3),
        "statuses": {str(k): v for k, v in statuses.items()},
        "peak_rss_sampled_mb": round(watch.peak_rss),
        "peak_hwm_mb": round(watch.peak_hwm()),
        "hwm_per_process_mb": watch.workers_hwm(),
        "pss_mb": round(watch.pss_mb()),
        "load_avg_1min": round(load, 1),  # the whole machine's: other work on a shared host shows here
    }


def start(env: dict[str, str], workdir: Path) -> LiveServer:
    base = {
        "ASSISTANT_RATE_LIMIT": "1000000/minute",
        "ASSISTANT_FEEDBACK_DB": str(workdir / "questions.sqlite3"),
    }
    workdir.mkdir(parents=True, exist_ok=True)
    server = LiveServer(workdir, {**base, **env}, ready_timeout=240)
    server.start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,4,8,16,40", help="comma-separated client counts, one phase each")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--chars", type=int, default=500)
    parser.add_argument("--path", choices=["chat", "search", "page"], default="chat")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server (repeatable)")
    parser.add_argument("--fresh", action="store_true", help="a new server for every phase")
    parser.add_argument("--json", help="write the phases here")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    questions = long_questions(args.chars, seed=11)
    counts = [int(c) for c in args.clients.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="overload-") as tmp:
        server = None
        try:
            for i, n in enumerate(counts):
                if server is None or args.fresh:
                    if server is not None:
                        server.stop()
                    server = start(env, Path(tmp) / f"s{i}")
                    ready_mb = round(sum(status_mb(p, "VmRSS") for p in tree_pids(server.proc.pid)))
                    print(f"server ready, RSS {ready_mb} MB ({env or 'defaults'})", file=sys.stderr)
                result = phase(server.url, server.proc.pid, n, args.seconds, args.path, questions)
                result["ready_rss_mb"] = ready_mb
                results.append(result)
                print(
                    f"{n:>3} clients: {result['req_per_s']:6.1f} req/s, answered {result['answered_per_s']:5.1f}/s, "
                    f"p50 {result['ok_p50_ms']:>5} ms, p99 {result['ok_p99_ms']:>5} ms (all {result['all_p99_ms']:>5}), "
                    f"503 {result['share_503']:.1%}, other {result['share_other']:.1%}, "
                    f"peak RSS {result['peak_hwm_mb']} MB {result['hwm_per_process_mb']}, PSS {result['pss_mb']} MB, "
                    f"load {result['load_avg_1min']}",
                    flush=True,
                )
        finally:
            if server is not None:
                server.stop()
    if args.json:
        Path(args.json).write_text(json.dumps({"env": env, "path": args.path, "phases": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
