"""More than one worker (issue #16, item 8, the rate-limit half): the limit holds across workers and hosts.

Per-process counters meant N workers allowed N × the limit. Now the counters live where ``state_url`` says:
SQLite for the workers of one host, Redis (the `limits` library's storage) for several hosts. Tested here:

* a real ``assistant serve`` with 2 workers and 10 requests a minute: 20 requests over one connection to
  each worker (which worker holds a connection is read from /proc) get exactly 10 answers, not 20;
* the stores themselves under real concurrency: 4 processes racing for the same key on one SQLite file, and
  on a real ``redis-server`` (``redis_url``, tests/redisserver.py), never let more than the limit through;
* a dead store does not take the service down: hits count in the process, and the outage is logged once.
"""

from __future__ import annotations

import http.client
import logging
import multiprocessing
import os
import socket
import time
from pathlib import Path

import pytest

from assistant.api.ratelimit import Limiter, SQLiteStorage, client_key, sqlite_path, storage_for

WORKER_LIMIT = 10


# --- helpers: which worker process holds a connection ---------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    return inodes


def _hex_endpoint(host: str, port: int) -> str:
    return socket.inet_aton(host)[::-1].hex().upper() + f":{port:04X}"


def server_side_inode(server_port: int, client: tuple[str, int]) -> str | None:
    local, remote = _hex_endpoint("127.0.0.1", server_port), _hex_endpoint(*client)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            return fields[9]
    return None


def one_connection_per_worker(port: int, workers: list[int], tries: int = 40) -> dict[int, http.client.HTTPConnection]:
    """Open connections until each worker holds one (the kernel hands each new connection to one of them)."""
    held: dict[int, http.client.HTTPConnection] = {}
    for i in range(tries):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=("127.0.6.1", 0))
        conn.request("GET", "/healthz")  # connected and accepted by now
        assert conn.getresponse().read() == b'{"status":"ok"}'
        inode = server_side_inode(port, conn.sock.getsockname())
        owner = next((pid for pid in workers if inode in socket_inodes(pid)), None)
        if owner is not None and owner not in held:
            held[owner] = conn
            if len(held) == len(workers):
                return held
        else:
            conn.close()
        time.sleep(0.05 * (i % 3))
    for conn in held.values():
        conn.close()
    pytest.fail(f"after {tries} connections, only workers {sorted(held)} of {workers} had accepted one")


@pytest.fixture(scope="module")
def two_workers(real_index_dir, tmp_path_factory):
    from tests.realstack import server_env, serving

    workdir = tmp_path_factory.mktemp("two-workers")
    env = server_env(
        real_index_dir,
        workdir,
        rate_limit=f"{WORKER_LIMIT}/minute",
        workers=2,
        state_url=f"sqlite:///{workdir}/state.sqlite3",
    )
    with serving(workdir, env, ready_timeout=240) as server:
        # /readyz answered by one worker; wait until both have loaded (each is a child of the supervisor).
        deadline = time.monotonic() + 180
        while len(children(server.proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        yield server


@pytest.mark.slow
def test_the_rate_limit_holds_across_two_workers(two_workers):
    workers = [pid for pid in children(two_workers.proc.pid) if socket_inodes(pid)]
    assert len(workers) == 2, f"expected 2 workers under {two_workers.proc.pid}, found {workers}"
    held = one_connection_per_worker(two_workers.port, workers)
    answered: dict[int, list[int]] = {pid: [] for pid in held}
    for i in range(2 * WORKER_LIMIT):
        pid = workers[i % 2]
        conn = held[pid]
        conn.request("GET", "/api/facets")
        response = conn.getresponse()
        response.read()
        answered[pid].append(response.status)
    for conn in held.values():
        conn.close()
    ok = sum(codes.count(200) for codes in answered.values())
    print(f"\n2 workers, {WORKER_LIMIT}/minute, 20 requests alternating: {ok} answered, per worker {answered}")
    assert ok == WORKER_LIMIT, answered  # per-process counters would answer all 20
    assert all(200 in codes for codes in answered.values()), "both workers must have answered"
    assert set(answered[workers[0]] + answered[workers[1]]) == {200, 429}


def test_several_workers_default_to_a_sqlite_file_under_data():
    from assistant.commands import DEFAULT_SHARED_STATE, use_shared_state
    from assistant.settings import Settings

    settings = Settings(state_url="")
    assert use_shared_state(settings, 1) is None and settings.state_url == ""
    note = use_shared_state(settings, 3)
    assert settings.state_url == DEFAULT_SHARED_STATE and sqlite_path(DEFAULT_SHARED_STATE) == Path(
        "data/state.sqlite3"
    )
    assert "3 workers" in note and DEFAULT_SHARED_STATE in note
    chosen = Settings(state_url="redis://127.0.0.1:6379/0")
    assert use_shared_state(chosen, 3) is None and chosen.state_url == "redis://127.0.0.1:6379/0"


# --- the stores under real concurrency -------------------------------------------------------------------------


def race(url: str, limit: int, attempts: int, start_at: float) -> int:
    """One process's share of the race: how many of its hits were allowed."""
    limiter = Limiter(f"{limit}/minute", url)
    while time.time() < start_at:
        time.sleep(0.001)
    return sum(limiter.hit("203.0.113.50") is None for _ in range(attempts))


def run_race(url: str, limit: int = 25, processes: int = 4, attempts: int = 20) -> list[int]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        start_at = time.time() + 2.0  # every process imported and connected by then
        return pool.starmap(race, [(url, limit, attempts, start_at)] * processes)


def test_sqlite_store_never_lets_more_than_the_limit_through_four_processes(tmp_path):
    allowed = run_race(f"sqlite:///{tmp_path}/state.sqlite3")
    assert sum(allowed) == 25, allowed  # 80 attempts, exactly 25 allowed, whoever won them
    assert sum(1 for n in allowed if n) >= 2, f"the race did not interleave: {allowed}"


@pytest.mark.slow
def test_redis_store_never_lets_more_than_the_limit_through_four_processes(redis_url):
    storage_for(redis_url).reset()
    allowed = run_race(redis_url)
    assert sum(allowed) == 25, allowed


@pytest.mark.slow
def test_two_limiters_on_one_redis_share_the_count_and_the_retry_time(redis_url):
    storage_for(redis_url).reset()
    host_a, host_b = Limiter("4/minute", redis_url), Limiter("4/minute", redis_url)
    assert [host_a.hit("198.51.100.9") for _ in range(2)] == [None, None]
    assert [host_b.hit("198.51.100.9") for _ in range(2)] == [None, None]
    retry = host_a.hit("198.51.100.9")
    assert retry is not None and 55 <= retry <= 60
    assert host_b.hit("198.51.100.10") is None  # another client, another bucket


def test_sqlite_store_keeps_counts_across_instances_and_sweeps_expired_rows(tmp_path):
    url = f"sqlite:///{tmp_path}/s.sqlite3"
    first, second = Limiter("3/second", url), Limiter("3/second", url)
    assert [first.hit("a"), second.hit("a"), first.hit("a")] == [None, None, None]
    assert second.hit("a") == 1
    time.sleep(1.05)
    assert first.hit("a") is None  # the window moved on
    storage = SQLiteStorage(url)
    assert storage.incr("fixed", 10) == 1 and storage.incr("fixed", 10) == 2 and storage.get("fixed") == 2
    storage.clear("fixed")
    assert storage.get("fixed") == 0 and storage.check()


def test_a_dead_store_falls_back_to_counting_in_process_and_logs_once(caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    limiter = Limiter("2/minute", f"redis://127.0.0.1:{port}/0")
    with caplog.at_level(logging.ERROR, logger="assistant"):
        started = time.monotonic()
        results = [limiter.hit("192.0.2.1") for _ in range(4)]
        elapsed = time.monotonic() - started
    assert results[:2] == [None, None] and all(r is not None for r in results[2:])  # still limited
    assert elapsed < 2.0, elapsed  # one failed attempt, then memory until the store is retried
    errors = [r for r in caplog.records if "rate-limit store" in r.getMessage()]
    assert len(errors) == 1 and "redis" in errors[0].getMessage()


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),  # same /64: same client
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("unknown", "unknown"),
    ],
)
def test_client_keys(address, key):
    assert client_key(address) == key


def test_unknown_state_urls_are_refused():
    with pytest.raises(ValueError, match="state_url"):
        storage_for("postgres://db/state")
    with pytest.raises(ValueError, match="no file"):
        sqlite_path("sqlite:///")
