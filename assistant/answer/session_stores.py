"""Session stores shared between processes: SQLite for the workers of one host, Redis for several hosts.

Both keep what :class:`~assistant.answer.session.MemorySessionStore` keeps (ids, last project ids, intent,
turn count; never text) and follow the same rules: ids are issued here, never adopted from the client,
and a session untouched for ``ttl_s`` is gone. A store fault (locked or unwritable file, Redis down) never
breaks an answer: it is logged without any citizen text and the question is answered as a first question.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from pathlib import Path

from assistant.answer.session import Session, acceptable, fresh_session

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id      TEXT PRIMARY KEY,
    data    TEXT NOT NULL,   -- JSON: last_ids, last_intent, turns
    touched REAL NOT NULL    -- Unix time of the last turn
);
CREATE INDEX IF NOT EXISTS sessions_touched ON sessions(touched);
"""


class SQLiteSessionStore:
    """Sessions in one SQLite file (WAL), shared by every worker process that opens the same path.

    The bound (``max_sessions``) and the TTL are applied when a session is created: expired rows go, then
    the least recently touched beyond the bound. One connection per store object, serialised by a lock
    (each worker process has its own); ``busy_timeout`` waits out another process's write.
    """

    def __init__(self, path: Path | str, max_sessions: int = 10_000, ttl_s: float = 1800.0) -> None:
        self.path = Path(path)
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A path that cannot be opened is a configuration error: raised here, at startup, not per question.
        self._conn = sqlite3.connect(self.path, timeout=3.0, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA busy_timeout = 3000")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.executescript(_SCHEMA)

    def get_or_create(self, session_id: str | None) -> Session:
        now = time.time()
        try:
            with self._lock:
                session = self._load(session_id, now) if acceptable(session_id) else None
                if session is not None:
                    return session
                session = fresh_session(session_id)
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.execute(
                        "INSERT INTO sessions (id, data, touched) VALUES (?, ?, ?)",
                        (session.id, session.to_json(), now),
                    )
                    self._prune(now)
                    self._conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                    raise
                return session
        except sqlite3.Error as exc:
            logger.warning("session store: %s unavailable, answering without memory: %s", self.path, exc)
            return fresh_session(session_id)

    def _load(self, session_id: str, now: float) -> Session | None:
        row = self._conn.execute("SELECT data, touched FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        if now - row[1] > self.ttl_s:
            self._conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            return None
        return Session.from_json(session_id, row[0], now)

    def _prune(self, now: float) -> None:
        self._conn.execute("DELETE FROM sessions WHERE touched < ?", (now - self.ttl_s,))
        # Keep the max_sessions most recently touched; the index on touched makes this a short scan.
        self._conn.execute(
            "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions ORDER BY touched DESC LIMIT -1 OFFSET ?)",
            (self.max_sessions,),
        )

    def save(self, session: Session) -> None:
        session.touched = time.time()
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT INTO sessions (id, data, touched) VALUES (?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET data = excluded.data, touched = excluded.touched",
                    (session.id, session.to_json(), session.touched),
                )
        except sqlite3.Error as exc:
            logger.warning("session store: saving to %s failed: %s", self.path, exc)

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])


class RedisSessionStore:
    """Sessions in Redis, one key per session with its TTL set by EXPIRE on every write, so Redis itself
    drops idle sessions (bound the memory with Redis's own ``maxmemory`` + ``volatile-ttl`` if needed)."""

    PREFIX = "assistant:session:"

    def __init__(self, url: str, ttl_s: float = 1800.0) -> None:
        import redis

        self.ttl_s = max(1, int(ttl_s))
        self._errors = (redis.RedisError, OSError)
        # Short timeouts: a Redis that stops answering costs a question its follow-up context, not 20 s.
        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    def get_or_create(self, session_id: str | None) -> Session:
        try:
            if acceptable(session_id):
                data = self._redis.get(self.PREFIX + session_id)
                if data is not None:
                    return Session.from_json(session_id, data.decode("utf-8"), time.time())
            session = fresh_session(session_id)
            # NX: a new id never overwrites an existing key (256 random bits make a clash theoretical).
            self._redis.set(self.PREFIX + session.id, session.to_json(), ex=self.ttl_s, nx=True)
            return session
        except self._errors as exc:
            logger.warning("session store: Redis unavailable, answering without memory: %s", exc)
            return fresh_session(session_id)

    def save(self, session: Session) -> None:
        session.touched = time.time()
        try:
            self._redis.set(self.PREFIX + session.id, session.to_json(), ex=self.ttl_s)
        except self._errors as exc:
            logger.warning("session store: saving to Redis failed: %s", exc)

    def ttl(self, session_id: str) -> int:
        """Seconds left before Redis drops the session (-2: no such key)."""
        return int(self._redis.ttl(self.PREFIX + session_id))

    def close(self) -> None:
        with contextlib.suppress(*self._errors):
            self._redis.close()
