"""What the web service holds for its whole life: the pipeline (loaded once), sessions and the question log.

Routes reach it through ``ServicesDep``. Loading happens in the app's lifespan, not per request; a
rebuilt index is swapped in with :meth:`Services.reload` (one reference assignment, so requests in
flight finish on the old one and the next ones use the new one).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from assistant.answer.service import Answerer
from assistant.answer.types import Reply
from assistant.corpus.plan import Plan
from assistant.retrieval.types import Filters, SearchResults
from assistant.runtime import Runtime, load_runtime
from assistant.settings import Settings


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
    encode_slots: asyncio.Semaphore | None = None

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
            answerer = Answerer(runtime.plan, runtime.searcher, self.settings)
            if previous is not None:
                answerer.sessions = previous.answerer.sessions  # conversations survive an index swap
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
        return self.runtime.searcher.search(query, k=k, filters=filters or Filters())

    def answer(self, message: str, session_id: str | None) -> Reply:
        return self._pipeline.answerer.answer(message, session_id)
