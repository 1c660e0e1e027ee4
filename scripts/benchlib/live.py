"""HTTP side of the benchmark: a timed server start, one-request helpers and concurrent clients.

Every request is timed on the client (keep-alive ``httpx.Client``, so connection set-up is not in the
figure); any status other than 200 and any exception counts as an error and is kept as a sample.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from assistant.liveserver import LiveServer
from benchlib.common import CpuMeter, summarize


def ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def start_server(workdir: Path, env: dict) -> tuple[LiveServer, float, dict]:
    """A ready server and its cold start (s): process start to the first /readyz 200, polled every 50 ms.

    ``LiveServer`` itself polls every 0.5 s; a second poller here makes the figure ten times finer.
    """
    server = LiveServer(workdir, env, ready_timeout=180)
    ready_at: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(timeout=1.0) as client:
            while not stop.is_set():
                try:
                    if client.get(server.url + "/readyz").status_code == 200:
                        ready_at.append(time.perf_counter())
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    with CpuMeter() as cpu:
        t0 = time.perf_counter()
        poller.start()
        server.start()
        poller.join(timeout=5)
        stop.set()
        cpu.pids.append(server.proc.pid)  # counted from its start, which was inside this block
    cold = (ready_at[0] if ready_at else time.perf_counter()) - t0
    return server, cold, cpu.to_dict() | {"server_cpu_s": round(cpu.cpu_s[server.proc.pid], 2)}


class Errors:
    """Thread-safe error count with the first few messages."""

    def __init__(self) -> None:
        self.count, self.samples, self.lock = 0, [], threading.Lock()

    def add(self, what: str) -> None:
        with self.lock:
            self.count += 1
            if len(self.samples) < 10:
                self.samples.append(what)


def _request(client: httpx.Client, errors: Errors, method: str, path: str, **kwargs) -> tuple[float, dict | None]:
    t0 = time.perf_counter()
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        errors.add(f"{path}: {type(exc).__name__}: {exc}")
        return ms_since(t0), None
    elapsed = ms_since(t0)
    if response.status_code != 200:
        errors.add(f"{path} {response.status_code}: {response.text[:200]}")
        return elapsed, None
    return elapsed, response.json()


def chat(client: httpx.Client, question: str, errors: Errors) -> tuple[float, str | None]:
    """(client ms, answer_type or None on error) for one fresh-session chat question."""
    elapsed, body = _request(client, errors, "POST", "/api/chat", json={"message": question})
    return elapsed, None if body is None else body.get("answer_type")


def search(client: httpx.Client, question: str, errors: Errors) -> tuple[float, float | None]:
    """(client ms, the server's own took_ms or None on error) for one search."""
    elapsed, body = _request(client, errors, "GET", "/api/search", params={"q": question, "k": 10})
    return elapsed, None if body is None else body.get("took_ms")


def concurrent_chat(url: str, clients: int, seconds: float, stream: Iterator[str], errors: Errors, pid: int) -> dict:
    """``clients`` threads, each with its own connection, sending fresh chat questions for ``seconds``."""
    lock = threading.Lock()
    latencies: list[float] = []
    failed_before = errors.count
    deadline = time.perf_counter() + seconds

    def work() -> None:
        with httpx.Client(base_url=url, timeout=60.0) as client:
            while time.perf_counter() < deadline:
                with lock:
                    question = next(stream)
                elapsed, answer_type = chat(client, question, errors)
                if answer_type is not None:
                    with lock:
                        latencies.append(elapsed)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    with CpuMeter([pid]) as cpu:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    ok = len(latencies)
    return {
        "clients": clients,
        "rps": round(ok / cpu.wall, 2),
        "ok": ok,
        "errors": errors.count - failed_before,
        "latency_ms": summarize(latencies),
        "server_cpu_ms_per_request": round(cpu.cpu_s[pid] * 1000 / ok, 2) if ok else None,
        "cpu": cpu.to_dict(),
    }
