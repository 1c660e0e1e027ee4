"""Per-client rate limit counters, in the store that ``state_url`` names, so N workers or hosts share one limit.

``state_url`` (assistant/settings.py):

* ``""`` or ``memory://`` — in this process (the `limits` library's ``MemoryStorage``): right for one worker;
  N workers would each allow the whole limit.
* ``sqlite:///path/state.sqlite3`` — :class:`SQLiteStorage` below, one file shared by the workers of one host
  (WAL; one ``BEGIN IMMEDIATE`` transaction per hit, so two workers never both take the last place).
* ``redis://host:6379/0`` — the `limits` library's ``RedisStorage`` (its moving window is a Lua script, atomic in
  Redis), shared by every host behind a load balancer.

All three implement the `limits` moving window, so the limit reads the same everywhere: at most N requests in
any window of the period, and a refused client is told when its oldest counted request leaves the window.

If the shared store fails (Redis down, SQLite locked past its timeout, disk full), the limiter does not fail
the request: it counts in process memory for ``FALLBACK_S`` seconds, then tries the store again (logging
the outage once, and the recovery) — each worker still limits alone (N × the limit at worst) instead of the service going down with its
counter store.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import sqlite3
import threading
import time
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlparse

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger("assistant")
FALLBACK_S = 10.0
REDIS_TIMEOUT_S = 0.5  # a hung Redis must not hold the event loop: past this the hit counts in memory


def sqlite_path(url: str) -> Path:
    """``sqlite:///relative/file`` or ``sqlite:////absolute/file`` (SQLAlchemy's spelling) → the file."""
    parsed = urlparse(url)
    path = unquote(parsed.netloc + parsed.path)
    if path.startswith("/") and not url.startswith("sqlite:////"):
        path = path[1:]  # sqlite:///data/x → data/x (relative to the working directory)
    if not path:
        raise ValueError(f"no file in {url!r} (write sqlite:///data/state.sqlite3)")
    return Path(path)


class SQLiteStorage(Storage, MovingWindowSupport):
    """A moving-window (and fixed-window) counter store on one SQLite file, for the workers of one host.

    Each hit is one ``BEGIN IMMEDIATE`` transaction: drop the key's entries older than the window, count the
    rest, add the new one if there is room. ``IMMEDIATE`` takes the write lock before reading, so two workers
    counting the same key are serialised and never both take the last place; WAL keeps readers off that lock.
    Expired rows of every key are swept every ``SWEEP_EVERY`` hits. Durability is not needed (a lost counter
    after a power cut only forgives a minute of requests), so ``synchronous=NORMAL``.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["sqlite"]  # registers sqlite:// with storage_from_string
    SWEEP_EVERY = 500

    def __init__(self, uri: str, wrap_exceptions: bool = False, busy_timeout_ms: int = 2000, **options) -> None:
        self.path = sqlite_path(uri)
        self.busy_timeout_ms = int(busy_timeout_ms)
        self._local = threading.local()
        self._hits = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS rate_limit_hits (key TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS rate_limit_hits_key ON rate_limit_hits (key, at)")
            db.execute("CREATE INDEX IF NOT EXISTS rate_limit_hits_expires ON rate_limit_hits (expires)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS rate_limit_counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL,"
                " expires REAL NOT NULL)"
            )

    # -- connection ----------------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:  # one connection per thread (and per process: a worker opens its own)
            db = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
        return db

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, *_) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> SQLiteStorage._Tx:
        return self._Tx(self._db())

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    # -- moving window (what the service uses) -------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._transaction() as db:
            db.execute("DELETE FROM rate_limit_hits WHERE key = ? AND at <= ?", (key, now - expiry))
            (count,) = db.execute("SELECT COUNT(*) FROM rate_limit_hits WHERE key = ?", (key,)).fetchone()
            if count + amount > limit:
                return False
            db.executemany(
                "INSERT INTO rate_limit_hits (key, at, expires) VALUES (?, ?, ?)", [(key, now, now + expiry)] * amount
            )
            self._hits += 1
            if self._hits % self.SWEEP_EVERY == 0:
                db.execute("DELETE FROM rate_limit_hits WHERE expires <= ?", (now,))
                db.execute("DELETE FROM rate_limit_counters WHERE expires <= ?", (now,))
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, count = (
            self._db()
            .execute("SELECT MIN(at), COUNT(*) FROM rate_limit_hits WHERE key = ? AND at > ?", (key, now - expiry))
            .fetchone()
        )
        return (oldest if oldest is not None else now), count

    # -- fixed window and housekeeping (the rest of the `limits` Storage interface) -----------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._transaction() as db:
            db.execute("DELETE FROM rate_limit_counters WHERE key = ? AND expires <= ?", (key, now))
            db.execute(
                "INSERT INTO rate_limit_counters (key, count, expires) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET count = count + excluded.count",
                (key, amount, now + expiry),
            )
            (count,) = db.execute("SELECT count FROM rate_limit_counters WHERE key = ?", (key,)).fetchone()
        return count

    def get(self, key: str) -> int:
        row = (
            self._db()
            .execute("SELECT count FROM rate_limit_counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM rate_limit_counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        with self._transaction() as db:
            n = (
                db.execute("DELETE FROM rate_limit_hits").rowcount
                + db.execute("DELETE FROM rate_limit_counters").rowcount
            )
        return n

    def clear(self, key: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM rate_limit_hits WHERE key = ?", (key,))
            db.execute("DELETE FROM rate_limit_counters WHERE key = ?", (key,))


def storage_for(state_url: str) -> Storage:
    """The `limits` storage that ``state_url`` names (memory for "")."""
    url = state_url.strip() or "memory://"
    scheme = urlparse(url).scheme
    if scheme in ("redis", "rediss"):
        # Errors wrapped as limits.errors.StorageError; short timeouts, so a dead Redis costs REDIS_TIMEOUT_S once.
        return storage_from_string(
            url, wrap_exceptions=True, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
    if scheme not in ("memory", "sqlite"):
        raise ValueError(f"state_url {state_url!r}: use '', sqlite:///path/state.sqlite3 or redis://host:6379/0")
    return storage_from_string(url, wrap_exceptions=True)


def client_key(address: str) -> str:
    """What one client is counted as: its IPv4 address, or the /64 of an IPv6 one (a host picks any address in
    its /64 at will, so counting single IPv6 addresses would let one host multiply its limit)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Limiter:
    """``hit(client)`` → None when allowed, else the seconds until the client may try again."""

    def __init__(self, limit: str | RateLimitItem, state_url: str = "", namespace: str = "assistant") -> None:
        self.item = parse(limit) if isinstance(limit, str) else limit
        self.state_url = state_url.strip()
        self.namespace = namespace
        self.storage = storage_for(self.state_url)
        self.shared = MovingWindowRateLimiter(self.storage)
        self.local = MovingWindowRateLimiter(MemoryStorage())  # while the shared store is failing
        self._shared_down_until = 0.0
        self._failing = False
        self._lock = threading.Lock()

    def _use(self) -> MovingWindowRateLimiter:
        return self.local if time.monotonic() < self._shared_down_until else self.shared

    def _hit_with(self, strategy: MovingWindowRateLimiter, key: str) -> float | None:
        if strategy.hit(self.item, self.namespace, key):
            return None
        reset, _ = strategy.get_window_stats(self.item, self.namespace, key)
        return max(1, math.ceil(reset - time.time()))

    def hit(self, client: str) -> float | None:
        key = client_key(client)
        strategy = self._use()
        if strategy is self.local or not self.state_url:
            return self._hit_with(strategy, key)
        try:
            retry = self._hit_with(strategy, key)
        except Exception as exc:  # the store's own errors, whatever the backend (StorageError, OSError, ...)
            with self._lock:
                if not self._failing:  # once per outage, not once per retry
                    logger.error(
                        "rate-limit store %s failed (%s: %s); counting in each process until it answers again",
                        urlparse(self.state_url).scheme,
                        type(exc).__name__,
                        exc,
                    )
                self._failing = True
                self._shared_down_until = time.monotonic() + FALLBACK_S
            return self._hit_with(self.local, key)
        if self._failing:
            self._failing = False
            logger.warning("rate-limit store %s answers again", urlparse(self.state_url).scheme)
        return retry
