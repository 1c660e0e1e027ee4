"""What the web service holds for its whole life: the pipeline (loaded once), sessions and the question log.

Routes reach it through ``ServicesDep``. Loading happens in the app's lifespan, not per request; a
rebuilt index is swapped in with :meth:`Services.reload` (one reference assignment, so requests in
flight finish on the old one and the next ones use the new one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from assistant.answer.service import Answerer
from assistant.answer.types import Reply
from assistant.corpus.plan import Plan
from assistant.errors import ServiceBusy
from assistant.retrieval.types import Filters, SearchResults
from assistant.runtime import Runtime, load_runtime
from assistant.settings import Settings

T = TypeVar("T")
BUSY = "ただいま混み合っています。少し待ってからもう一度お試しください。"


@dataclass
class _Pipeline:
    runtime: Runtime
    answerer: Answerer


@dataclass
class Services:
    settings: Settings
    _pipeline: _Pipeline | None = None
    error: str | None = None
    _reload_lock: threading.Lock = field(default_factory=threading.Lock)
    _encode_slots: threading.BoundedSemaphore | None = None
    _admitted: int = 0  # encoding now + waiting for a slot
    _admit_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # Bound encoder work for every caller (API and pages): max_concurrent_encodes at once, at most
        # max_queued_encodes more waiting (each for at most request_timeout_s), and the rest refused at once with
        # ServiceBusy (503 + Retry-After). Without the queue bound every request of a flood waited its 20 s in
        # a worker thread: p99 ran to 26 s at 40 clients and the waiting threads held the thread pool.
        self._encode_slots = threading.BoundedSemaphore(self.settings.max_concurrent_encodes)

    def _bounded(self, work: Callable[[], T]) -> T:
        settings = self.settings
        with self._admit_lock:
            if self._admitted >= settings.max_concurrent_encodes + settings.max_queued_encodes:
                raise ServiceBusy(BUSY)
            self._admitted += 1
        try:
            if not self._encode_slots.acquire(timeout=settings.request_timeout_s):
                raise ServiceBusy(BUSY)
            try:
                return work()
            finally:
                self._encode_slots.release()
        finally:
            with self._admit_lock:
                self._admitted -= 1

    @classmethod
    def load(cls, settings: Settings) -> Services:
        services = cls(settings)
        services.reload()
        return services

    def reload(self) -> None:
        """(Re)load plan, model and index; keep serving the old pipeline if the new one fails."""
        with self._reload_lock:
            previous = self._pipeline
            encoder = previous.runtime.encoder if previous else None
            runtime = load_runtime(self.settings, encoder=encoder)
            if encoder is None:  # the first load: the query model is read now, not on the first question
                runtime.encoder.encode_queries(["準備"])
            # Conversations survive an index swap: the new answerer keeps the old one's session store.
            sessions = previous.answerer.sessions if previous is not None else None
            answerer = Answerer(runtime.plan, runtime.searcher, self.settings, sessions=sessions)
            self._pipeline = _Pipeline(runtime, answerer)
            self.error = None

    @property
    def ready(self) -> bool:
        return self._pipeline is not None

    @property
    def runtime(self) -> Runtime:
        if self._pipeline is None:
            raise RuntimeError(self.error or "services not loaded")
        return self._pipeline.runtime

    @property
    def plan(self) -> Plan:
        return self.runtime.plan

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> SearchResults:
        return self._bounded(lambda: self.runtime.searcher.search(query, k=k, filters=filters or Filters()))

    def answer(self, message: str, session_id: str | None, channel: str = "citizen") -> Reply:
        return self._bounded(lambda: self._pipeline.answerer.answer(message, session_id, channel))
