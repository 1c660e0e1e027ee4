"""What one conversation turn costs in each session store: get_or_create + save, median and p99 in ms.

    .venv/bin/python scripts/session_store_bench.py [--turns 2000]

Memory, SQLite (a temporary file, WAL) and Redis (a private redis-server on a free port, when the binary is
installed). Half the turns continue an existing session and half start one, as a mix of follow-ups and
first questions would; the SQLite store is filled to its bound first, so pruning is part of the cost.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.answer.session import MemorySessionStore
from assistant.answer.session_stores import RedisSessionStore, SQLiteSessionStore
from assistant.liveserver import free_port


def turns(store, count: int) -> list[float]:
    known: list[str] = []
    laps = []
    for n in range(count):
        started = time.perf_counter()
        session = store.get_or_create(known[n % len(known)] if known and n % 2 else None)
        session.last_ids = ["H1-1/1/6"]
        store.save(session)
        laps.append((time.perf_counter() - started) * 1000)
        known.append(session.id)
    return laps


def show(name: str, laps: list[float]) -> None:
    laps.sort()
    p99 = laps[int(len(laps) * 0.99) - 1]
    print(f"{name:<8} median {statistics.median(laps):.3f} ms  p99 {p99:.3f} ms  ({len(laps)} turns)")


def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        return None, None
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    time.sleep(0.5)
    return f"redis://127.0.0.1:{port}/0", proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2000)
    args = parser.parse_args()
    show("memory", turns(MemorySessionStore(10_000, 1800), args.turns))
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteSessionStore(Path(tmp) / "state.sqlite3", max_sessions=1000, ttl_s=1800)
        turns(store, 1000)  # at the bound: every new session now prunes one
        show("sqlite", turns(store, args.turns))
    url, proc = redis_url()
    if url is None:
        print("redis    skipped: redis-server is not installed")
        return
    try:
        show("redis", turns(RedisSessionStore(url, 1800), args.turns))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
