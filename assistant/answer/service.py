"""The answering service: the cache, the session, and three steps per question.

1. decide (decide.py): from the understood question (understand.py) and the previous answer's rows, a
   typed route — follow-up, nothing to look up, a policy goal, a facet list, named rows or a search;
2. resolve (resolve.py): the rows, the verbatim evidence lines and the confidence, with the coverage judge
   (coverage.py) deciding whether the plan covers the question at all;
3. compose (compose.py): every sentence frame, the hand-off and the suggestions.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from assistant.answer.compose import Composer
from assistant.answer.coverage import CoverageJudge, CoverageModel
from assistant.answer.decide import Context, decide
from assistant.answer.resolve import Resolver
from assistant.answer.session import SessionStore, open_session_store
from assistant.answer.types import Question, Reply
from assistant.answer.understand import QuestionReader
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import fiscal_year_of
from assistant.lru import LRU
from assistant.retrieval.search import HybridSearcher, normalize_query
from assistant.settings import Settings


class Answerer:
    def __init__(self, plan: Plan, searcher: HybridSearcher, settings: Settings,
                 today: Callable[[], date] = date.today, sessions: SessionStore | None = None) -> None:  # fmt: skip
        self.plan = plan
        self.today = today  # 「今年度」 means the fiscal year of this day
        self.searcher = searcher
        self.settings = settings
        self.reader = QuestionReader(plan, searcher.tokenizer, today=lambda: self.today())
        # Passed in when an index reload builds a new answerer, so conversations survive the swap.
        self.sessions = sessions if sessions is not None else open_session_store(settings)
        # Dropped with this answerer when a new index is loaded (Services.reload builds a new one).
        self.cache: LRU[tuple[str, tuple[str, ...], int, str], Reply] = LRU(settings.answer_cache_size)
        self.handoff = settings.handoff.model_dump()
        coverage = CoverageJudge(plan, searcher, CoverageModel.from_dict(settings.coverage), settings)
        self.resolver = Resolver(plan, searcher, coverage, settings)
        self.composer = Composer(plan, self.handoff)

    @property
    def coverage(self) -> CoverageJudge:
        return self.resolver.coverage

    @coverage.setter
    def coverage(self, judge: CoverageJudge) -> None:  # calibration records what the judge sees
        self.resolver.coverage = judge

    def answer(self, message: str, session_id: str | None = None, channel: str = "citizen") -> Reply:
        """``channel`` is who reads it: on ``callcenter`` the operator is the hand-off, so refusals do not
        send the caller back to the call center."""
        session = self.sessions.get_or_create(session_id)
        # An answer depends only on the text, the rows of the previous answer (follow-ups), the fiscal
        # year (「今年度」) and the channel; the same question in the same context comes from the cache.
        key = (normalize_query(message), tuple(session.last_ids), fiscal_year_of(self.today()), channel)
        cached = self.cache.get(key)
        if cached is None:
            reply = self.respond(self.reader.read(message), tuple(session.last_ids), channel)
            self.cache.put(key, replace(reply))
        else:
            reply = replace(cached, message_id=secrets.token_hex(8))
        reply.session_id = session.id
        reply.session_reset = session.reset
        session.turns += 1
        if reply.project_ids:
            session.last_ids = reply.project_ids
            session.last_intent = reply.answer_type
        self.sessions.save(session)
        return reply

    def respond(self, q: Question, previous: tuple[str, ...] = (), channel: str = "citizen") -> Reply:
        """The three steps for one understood question."""
        route = decide(q, Context(previous, self.coverage.nothing_to_answer(q)))
        return self.composer.reply(q, self.resolver.resolve(q, route), channel)
