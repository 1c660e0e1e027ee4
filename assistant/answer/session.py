"""Conversation memory: what the last answer was about, per session, in memory with a bound and expiry.

Only project ids and the last intent are kept, never the text; nothing in a session is needed to answer
a first question, so losing a session (restart, expiry, another worker) only loses follow-up context.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock


@dataclass
class Session:
    id: str
    last_ids: list[str] = field(default_factory=list)
    last_intent: str | None = None
    turns: int = 0
    touched: float = field(default_factory=time.monotonic)


class SessionStore:
    """LRU of sessions with a time-to-live; safe to use from several threads."""

    def __init__(self, max_sessions: int = 10_000, ttl_s: float = 1800.0) -> None:
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = Lock()

    def get_or_create(self, session_id: str | None) -> Session:
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(session_id) if session_id else None
            if session is not None and now - session.touched > self.ttl_s:
                del self._sessions[session.id]
                session = None
            if session is None:
                # Keep a client-chosen id (so a reload keeps its thread) only if it is sane.
                valid = session_id and 8 <= len(session_id) <= 64 and session_id.replace("-", "").isalnum()
                session = Session(id=session_id if valid else secrets.token_urlsafe(16))
                self._sessions[session.id] = session
            session.touched = now
            self._sessions.move_to_end(session.id)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            return session

    def __len__(self) -> int:
        return len(self._sessions)
