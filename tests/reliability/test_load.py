"""End-to-end load: concurrent clients on loopback for a bounded time, zero errors, no lost log rows.

``CLIENTS`` threads, each with its own HTTP connection, hammer ``reliability_server`` (real uvicorn, real
model, production encode bound of 4 and request timeout) for ``SECONDS`` with a mix of /api/chat (half),
/api/search and POST /api/feedback on answers that client received. Questions are varied so that the
searcher's cache does not do the work. An error is anything but the expected status (200 chat and search,
201 feedback) — 429 and 503 included: the server is sized so that this load never needs them — or any
transport failure. Afterwards the SQLite file is read directly: every answered question and every rating
sent must be there. The numbers are printed (``pytest -rP`` or ``-s`` shows them) for the issue's note.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import httpx
import pytest

pytestmark = pytest.mark.slow

CLIENTS = 8
SECONDS = 12.0
EXPECTED = {"chat": 200, "search": 200, "feedback": 201}
ASKS = ["の担当は？", "はいつから？", "について教えて", "の予定は？", "の目的は？", ""]
OPENERS = ["", "すみません、", "あの、", "質問です。", "ちょっと聞きたいのですが、"]
CLOSERS = ["", "よろしくお願いします。", "教えてください。", "急ぎです。"]
SEARCH_WORDS = [
    "自治会",
    "デジタル",
    "窓口",
    "公園",
    "子育て",
    "防災",
    "観光",
    "職員",
    "財政",
    "ごみ",
    "バス",
    "図書館",
]


@dataclass
class Tally:
    """What all clients did; appended to under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: Counter = field(default_factory=Counter)
    latency_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    asked: list[tuple[str, str]] = field(default_factory=list)  # (message_id, session_id)
    rated: list[tuple[str, str]] = field(default_factory=list)  # (message_id, comment)

    def record(self, kind: str, started: float, response: httpx.Response | None, problem: str | None) -> None:
        with self.lock:
            self.requests[kind] += 1
            self.latency_ms[kind].append((time.perf_counter() - started) * 1000)
            if problem is None and response is not None and response.status_code != EXPECTED[kind]:
                problem = f"{response.status_code} {response.text[:120]}"
            if problem is not None:
                self.errors.append(f"{kind}: {problem}")


def question(plan, rng: random.Random) -> str:
    """One of ~20,000 wordings (so repeats, and the searcher's cache, are rare within a run)."""
    if rng.random() < 0.15:
        department = rng.choice(list(plan.department_counts))
        core = f"{department}の事業を一覧で" if rng.random() < 0.5 else f"{department}の事業は何件？"
    else:
        core = rng.choice(plan.projects).name + rng.choice(ASKS)
    return rng.choice(OPENERS) + core + rng.choice(CLOSERS)


def run_client(url: str, index: int, deadline: float, plan, tally: Tally) -> None:
    rng = random.Random(index)
    answered: list[tuple[str, str]] = []
    with httpx.Client(base_url=url, timeout=30) as http:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            roll = rng.random()
            kind = "chat" if roll < 0.5 or not answered else "search" if roll < 0.8 else "feedback"
            started = time.perf_counter()
            response, problem = None, None
            try:
                if kind == "chat":
                    # Half the time a follow-up in the last conversation, like a citizen would.
                    session = answered[-1][1] if answered and rng.random() < 0.5 else None
                    response = http.post("/api/chat", json={"message": question(plan, rng), "session_id": session})
                    if response.status_code == 200:
                        data = response.json()
                        answered.append((data["message_id"], data["session_id"]))
                        with tally.lock:
                            tally.asked.append(answered[-1])
                elif kind == "search":
                    words = " ".join(rng.sample(SEARCH_WORDS, 2))
                    response = http.get("/api/search", params={"q": words, "k": rng.choice([5, 10, 20])})
                else:
                    message_id, session_id = rng.choice(answered)
                    comment = f"load c{index} n{n}"  # unique, and nothing in it looks like personal data
                    body = {"session_id": session_id, "message_id": message_id, "helpful": rng.random() < 0.5}
                    response = http.post("/api/feedback", json={**body, "comment": comment})
                    if response.status_code == 201:
                        with tally.lock:
                            tally.rated.append((message_id, comment))
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            tally.record(kind, started, response, problem)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) >= 2 else (values or [0.0])[0]


def test_concurrent_clients_get_answers_and_every_row_is_logged(reliability_server, plan):
    log_before = reliability_server.log_path.read_text(errors="replace")
    tally = Tally()
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=run_client, args=(reliability_server.url, i, deadline, plan, tally), name=f"client-{i}")
        for i in range(CLIENTS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    elapsed = time.perf_counter() - started
    assert not any(t.is_alive() for t in threads), "a client hung"

    with sqlite3.connect(reliability_server.db_path) as db:
        logged = {row[0] for row in db.execute("SELECT id FROM questions")}
        ratings = set(db.execute("SELECT message_id, comment FROM feedback"))
    lost_questions = [m for m, _ in tally.asked if m not in logged]
    lost_ratings = [r for r in tally.rated if r not in ratings]
    new_log = reliability_server.log_path.read_text(errors="replace")[len(log_before) :]

    total = sum(tally.requests.values())
    print(
        f"\nload: {CLIENTS} clients x {SECONDS:.0f} s ({elapsed:.1f} s wall): {total} requests "
        f"({', '.join(f'{k} {v}' for k, v in sorted(tally.requests.items()))}), {total / elapsed:.1f} req/s, "
        f"{len(tally.errors)} errors; log rows: {len(tally.asked)} questions and {len(tally.rated)} ratings sent, "
        f"{len(lost_questions)} + {len(lost_ratings)} missing"
    )
    for kind, values in sorted(tally.latency_ms.items()):
        print(f"  {kind}: p50 {percentile(values, 50):.0f} ms, p95 {percentile(values, 95):.0f} ms")

    assert not tally.errors, tally.errors[:10]
    assert tally.requests["chat"] >= CLIENTS and tally.requests["feedback"] >= 1, "the load did not happen"
    assert not lost_questions and not lost_ratings
    assert "unhandled error" not in new_log and "Traceback" not in new_log, new_log[-2000:]
