"""Conversation memory: what the last answer was about, per session, behind one small store interface.

Only the session id, the last answer's project ids, its intent and a turn count are kept, never the text;
nothing in a session is needed to answer a first question, so losing a session (restart, expiry, a store
that is down) only loses follow-up context.

Session ids are issued by the server only: a random ``secrets.token_urlsafe(32)`` (256 bits). An id the
client sends is looked up, never adopted: an unknown, expired or malformed id starts a new session with a
new id, and the session says so (``reset``), so the caller can tell the client its old thread is gone.
Accepting a client's id (as this module once did for any 8-64 alphanumeric string) let anyone who guessed
or saw an id continue that person's conversation.

Where sessions live is chosen by ``settings.state_url`` (:func:`open_session_store`): in this process
(``""``), in a SQLite file shared by the workers of one host (``sqlite:///path``), or in Redis shared by
several hosts (``redis://host:port/db``); the last two are in :mod:`assistant.answer.session_stores`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from typing import Protocol

from assistant.settings import Settings

# What a server-made id looks like (token_urlsafe(32) is 43 characters). Anything else is not looked up.
ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def new_session_id() -> str:
    """A fresh id with 256 random bits."""
    return secrets.token_urlsafe(32)


@dataclass
class Session:
    id: str
    last_ids: list[str] = field(default_factory=list)
    last_intent: str | None = None
    turns: int = 0
    touched: float = field(default_factory=time.time)  # wall clock: shared stores compare it across processes
    # True when the client sent an id that was not accepted (unknown, expired or malformed); not stored.
    reset: bool = False

    def to_json(self) -> str:
        """The stored form: ids and intent only."""
        return json.dumps({"last_ids": self.last_ids, "last_intent": self.last_intent, "turns": self.turns})

    @classmethod
    def from_json(cls, session_id: str, data: str, touched: float) -> Session:
        fields = json.loads(data)
        return cls(
            id=session_id,
            last_ids=[str(i) for i in fields.get("last_ids", [])],
            last_intent=fields.get("last_intent"),
            turns=int(fields.get("turns", 0)),
            touched=touched,
        )


def fresh_session(requested: str | None) -> Session:
    """A new session; ``reset`` when the client had asked for one that was not accepted."""
    return Session(id=new_session_id(), reset=bool(requested))


def acceptable(session_id: str | None) -> bool:
    """Worth looking up: shaped like an id this server issues."""
    return bool(session_id) and ID_SHAPE.fullmatch(session_id) is not None


class SessionStore(Protocol):
    """Where sessions live. ``get_or_create`` never adopts the client's id; ``save`` writes a session back
    after a turn. Implementations never raise for a store fault: they log it and answer without memory."""

    def get_or_create(self, session_id: str | None) -> Session: ...

    def save(self, session: Session) -> None: ...

    def close(self) -> None: ...


class MemorySessionStore:
    """LRU of sessions with a time-to-live, in this process; safe to use from several threads."""

    def __init__(self, max_sessions: int = 10_000, ttl_s: float = 1800.0) -> None:
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = Lock()

    def get_or_create(self, session_id: str | None) -> Session:
        now = time.time()
        with self._lock:
            session = self._sessions.get(session_id) if acceptable(session_id) else None
            if session is not None and now - session.touched > self.ttl_s:
                del self._sessions[session.id]
                session = None
            if session is None:
                session = fresh_session(session_id)
                self._sessions[session.id] = session
            else:
                session.reset = False
            session.touched = now
            self._sessions.move_to_end(session.id)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            return session

    def save(self, session: Session) -> None:
        # The answerer mutates the stored object itself; only a session evicted meanwhile needs putting back.
        with self._lock:
            if session.id not in self._sessions:
                self._sessions[session.id] = session
                while len(self._sessions) > self.max_sessions:
                    self._sessions.popitem(last=False)

    def close(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self._sessions)


def open_session_store(settings: Settings) -> SessionStore:
    """The store ``settings.state_url`` names: "" memory, ``sqlite:///path`` a file, ``redis://…`` Redis."""
    url = settings.state_url.strip()
    if not url:
        return MemorySessionStore(settings.max_sessions, settings.session_ttl_s)
    from assistant.answer.session_stores import RedisSessionStore, SQLiteSessionStore

    if url.startswith("sqlite:///"):
        return SQLiteSessionStore(url.removeprefix("sqlite:///"), settings.max_sessions, settings.session_ttl_s)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisSessionStore(url, settings.session_ttl_s)
    raise ValueError(f"state_url must be empty, sqlite:///<path> or redis://<host>:<port>/<db>, not {url!r}")
