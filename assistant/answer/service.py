"""The answering service: question → (structured lookup | hybrid search) → extractive reply with citations.

Order of decisions, each a small step:
1. understand the question (rules.json): intent, language, named departments / policy / tag / years;
2. resolve what it is about: the previous answer's projects for a follow-up, the complete structured
   set when it only names facets (「DX推進課の事業は？」), a named policy, or else the best search hit;
3. decide whether the plan covers it (coverage.py: several signals weighed by a model fitted per embedding
   model): covered → answered; partly → 「計画には…についての記載はありません」 then the near row as related
   text; not covered → said plainly with the hand-off; nothing to look up (greetings, stray keys) → rephrase;
4. compose the reply from records (compose.py) and remember its projects for the next turn.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from assistant.answer import compose
from assistant.answer.coverage import CoverageJudge, CoverageModel, Verdict
from assistant.answer.session import SessionStore
from assistant.answer.types import Question, Reply
from assistant.answer.understand import QuestionReader
from assistant.corpus.models import BasicPolicy, Policy, Project
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import fiscal_year_of, without_years
from assistant.lru import LRU
from assistant.retrieval.filters import matching_projects
from assistant.retrieval.search import HybridSearcher, normalize_query
from assistant.retrieval.types import Filters, Hit, SearchResults
from assistant.settings import Settings

DEFAULT_SUGGESTIONS = ["コールセンターの担当課は？", "自治会の活動を支援する事業は？", "DX推進課の事業を一覧で"]
EN_SUGGESTIONS = ["Who runs the call center?", "Projects of DX推進課", "What is the goal of H3?"]


class Answerer:
    def __init__(self, plan: Plan, searcher: HybridSearcher, settings: Settings,
                 today: Callable[[], date] = date.today) -> None:  # fmt: skip
        self.plan = plan
        self.today = today  # 「今年度」 means the fiscal year of this day
        self.searcher = searcher
        self.settings = settings
        self.reader = QuestionReader(plan, searcher.tokenizer, today=lambda: self.today())
        self.sessions = SessionStore(settings.max_sessions, settings.session_ttl_s)
        # Dropped with this answerer when a new index is loaded (Services.reload builds a new one).
        self.cache: LRU[tuple[str, tuple[str, ...], int, str], Reply] = LRU(settings.answer_cache_size)
        self.handoff = settings.handoff.model_dump()
        self.coverage = CoverageJudge(plan, searcher, CoverageModel.from_dict(settings.coverage), settings)

    # --- main entry --------------------------------------------------------------------------------

    def answer(self, message: str, session_id: str | None = None, channel: str = "citizen") -> Reply:
        """``channel`` is who reads it: on ``callcenter`` the operator is the hand-off, so refusals do not
        send the caller back to the call center."""
        session = self.sessions.get_or_create(session_id)
        # An answer depends only on the text, the rows of the previous answer (follow-ups), the fiscal
        # year (「今年度」) and the channel; the same question in the same context comes from the cache.
        key = (normalize_query(message), tuple(session.last_ids), fiscal_year_of(self.today()), channel)
        cached = self.cache.get(key)
        if cached is None:
            reply = self._answer(self.reader.read(message), session.last_ids, channel)
            self.cache.put(key, replace(reply))
        else:
            reply = replace(cached, message_id=secrets.token_hex(8))
        reply.session_id = session.id
        session.turns += 1
        if reply.project_ids:
            session.last_ids = reply.project_ids
            session.last_intent = reply.answer_type
        return reply

    def _reply(self, q: Question, answer_type: str, text: str, citations, ids, confidence="high",
               coverage: str = "covered") -> Reply:  # fmt: skip
        suggestions = self._suggestions(q, answer_type, ids)
        return Reply(
            session_id="",
            message_id=secrets.token_hex(8),
            answer=text,
            answer_type=answer_type,
            confidence=confidence,
            coverage=coverage,
            citations=citations,
            handoff=self.handoff if confidence != "high" and coverage != "nothing" else None,
            suggestions=suggestions,
            lang=q.lang,
            project_ids=ids,
        )

    def _not_found(self, q: Question, channel: str = "citizen") -> Reply:
        text = compose.not_found(self.handoff, q.lang, channel)
        return self._reply(q, "not_found", text, [], [], "none", "not_covered")

    def _refusal(self, q: Question, verdict: Verdict, results: SearchResults, channel: str) -> Reply:
        """What the plan does not cover, said plainly: near a row (partly) with that row as related text."""
        best = results.hits[0] if results.hits else None
        project = self.plan.project(best.id) if best is not None else None
        if verdict.outcome != "partly" or project is None:
            return self._not_found(q, channel)
        return self._partly(q, verdict.missing, project, best.excerpt, channel)

    def _partly(self, q: Question, missing: tuple[str, ...], project: Project, line: str, channel: str) -> Reply:
        text, citations = compose.partly(missing, (project, line), self.handoff, q.lang, channel)
        return self._reply(q, "not_found", text, citations, [], "none", "partly")

    def _nothing(self, q: Question) -> Reply:
        return self._reply(q, "not_found", compose.rephrase(q.lang), [], [], "none", "nothing")

    def _answer(self, q: Question, previous: list[str], channel: str = "citizen") -> Reply:
        year = q.years[0] if q.years else None
        has_facets = bool(q.departments or q.tags or q.policy or year)
        # 「その中で令和8年度のものは？」「今年は？」「来年度もやると？」 after an answer ask about the same rows
        # in that year; 「令和8年度の事業は？」「令和8年度のスマホ教室は？」 are new questions. A year question
        # follows up when a word points back, or when it brings nothing of its own: no noun, no set to list.
        elliptic = not (q.topic_nouns or q.set_words or q.complete) and q.intent not in ("list", "count")
        year_followup = (
            bool(year) and not (q.departments or q.tags or q.policy or q.starts) and (q.refers_back or elliptic)
        )  # fmt: skip

        # Follow-up on the previous answer's projects (「それはいつから？」「その中でデジタル関係は？」).
        if previous and not q.named_projects and ((q.followup and not has_facets) or year_followup):
            projects = [p for p in (self.plan.project(i) for i in previous) if p is not None]
            if projects:
                if year and len(projects) > 1:
                    # 「その中で令和8年度のものは？」: the previous rows (narrowed by any topic words) with a
                    # schedule entry for that year; one row is answered about that year on its own.
                    if q.content_tokens:
                        projects = self._narrow(q, projects) or projects
                    in_year = [p for p in projects if p.covers_year(year)]
                    if len(in_year) == 1 or (not in_year and len(projects) == 1):
                        return self._about(q, in_year or projects, previous_context=True)
                    if not in_year:  # a plain no, and the rows stay the topic
                        text, citations = compose.none_in_year(year, projects, q.lang)
                        return self._reply(q, "list", text, citations, previous)
                    desc = compose.describe_filters(None, None, (), year, False, self.plan, q.lang)
                    if q.lang == "ja":
                        desc = f"前の回答のうち{desc}に記載のある事業"
                    excerpts = {p.id: compose.schedule_line(p, year) for p in in_year}
                    text, citations = compose.listing(in_year, desc, q.lang, phrase=True, excerpts=excerpts)
                    return self._reply(q, "list", text, citations, [p.id for p in in_year])
                if q.content_tokens and len(projects) > 1:
                    projects = self._narrow(q, projects)
                    if not projects:
                        return self._not_found(q, channel)
                # Who answers a follow-up from the rows' records; anything else is read from their text, and
                # such answers were right less often than "high" promises (dev: 85%), so they say "low".
                confidence = "high" if q.intent == "who" else "low"
                return self._about(q, projects, previous_context=True, confidence=confidence)

        asks_whole_set = q.intent in ("list", "count") and (q.set_words or q.complete)  # 「事業を全部」
        if q.intent != "policy" and not asks_whole_set and self.coverage.nothing_to_answer(q):
            return self._nothing(q)

        # A policy question names a code or asks about goals.
        if q.intent == "policy" and (q.policy or not q.departments):
            node = self.plan.node(q.policy) if q.policy else None
            if node is None:
                results = self.searcher.search(q.text, k=10, filters=Filters(kinds=("policy",)))
                verdict = self.coverage.judge(q, results)
                if not verdict.covered:
                    return self._refusal(q, verdict, results, channel)
                node = self.plan.node(self._best_node(q, results.hits).id)
                return self._policy_reply(q, node, verdict.confidence)
            return self._policy_reply(q, node)

        # Only facets, or an explicit list/count: the complete set from the structured records.
        # 「経済再生とか少子化対策の事業」 names two 重点プロジェクト: lists and searches cover their union.
        union = frozenset(p.id for p in self.plan.projects if set(q.tags) & set(p.tags)) if len(q.tags) > 1 else None
        filters = Filters(
            department=q.departments[0] if q.departments else None,
            policy=q.policy,
            tag=q.tags[0] if len(q.tags) == 1 else None,
            year=None if q.starts else year,
            ids=union,
        )
        # 「令和8年度に始まる取組みは？」 asks which projects, not when one project happens.
        year_list = q.intent == "when" and year is not None and not q.named_projects and len(q.content_tokens) <= 2
        n_facets = sum(1 for facet in (q.departments, q.tags, q.policy, year) if facet)
        # Two facets at once (「H3-1の事業のうち新市役所創造のもの」) describe a set, however it is phrased.
        wants_list = (
            q.intent in ("list", "count")
            or (has_facets and not q.content_tokens and not q.named_projects)
            or (n_facets >= 2 and not q.named_projects and q.intent == "lookup")
        )
        if has_facets and (year_list or (wants_list and q.intent not in ("who", "when"))):
            projects = matching_projects(self.plan, filters)
            if q.starts and year:
                projects = [p for p in projects if any(e.start_fy == year for e in p.schedule)]
            narrowed = False
            if q.content_tokens and len(projects) > 1 and q.intent != "count" and not q.complete:
                # 「令和8年度の個人住民税関係の事業」: the facets give the set, the other words pick from it.
                kept = self._narrow(q, projects)
                narrowed = bool(kept) and len(kept) < len(projects)
                projects = kept or projects
            desc = compose.describe_filters(filters.department, q.policy, q.tags, year, q.starts, self.plan, q.lang)
            if narrowed:
                desc = compose.narrowed_description(desc, q.lang)
            count_only = q.intent == "count"
            excerpts = {p.id: compose.schedule_line(p, year) for p in projects} if year else {}
            text, citations = compose.listing(projects, desc, q.lang, count_only=count_only, excerpts=excerpts)
            return self._reply(q, "count" if count_only else "list", text, citations, [p.id for p in projects])

        # A project named outright (「コールセンター運営の担当は？」).
        if q.named_projects:
            projects = [self.plan.project(i) for i in q.named_projects]
            if len(projects) > 1 and q.intent == "lookup":
                projects = self._narrow(q, projects) or projects
            # 「地域おこし協力隊の給料はいくら？」 names a row but asks for a fact of a kind it does not state.
            unmet = self.coverage.unmet_aspects(q, projects[0].id)
            if unmet and q.intent not in ("who", "when"):
                first = projects[0].summary_lines[0] if projects[0].summary_lines else projects[0].name
                return self._partly(q, unmet[:1], projects[0], first, channel)
            return self._about(q, projects[:1] if q.intent == "lookup" else projects)

        # Otherwise search, within any facets the question named.
        k = 10 if q.intent in ("list", "count") else 5
        # A year narrows a list, and a when-question to the rows dated then; a lookup is about one row, whose
        # entry for that year (or its absence) the answer states, so it searches by its topic alone.
        if q.intent == "lookup" and year:
            results = self.searcher.search(
                without_years(q.text), k=k, filters=replace(filters, kinds=("project",), year=None)
            )
        else:
            results = self.searcher.search(q.text, k=k, filters=replace(filters, kinds=("project",)))
        verdict = self.coverage.judge(q, results)
        if not verdict.covered:
            return self._refusal(q, verdict, results, channel)
        confidence = verdict.confidence
        hits = results.hits
        if q.intent == "lookup" and not has_facets:
            node = self._policy_instead(q, results)
            if node is not None:  # a guess that the goal is meant: never "high"
                return self._policy_reply(q, node, "low")
        if q.intent in ("list", "count") and q.policy_level == "approach":
            # 「…を扱う取組方針には、どんな事業が？」: the best row's 取組方針, listed completely.
            best = self.plan.project(hits[0].id)
            projects = sorted([best, *self.plan.neighbours(best)], key=self.plan.projects.index)
            desc = compose.approach_description(projects[0], q.lang)
            text, citations = compose.listing(projects, desc, q.lang, count_only=q.intent == "count")
            kind = "count" if q.intent == "count" else "list"
            return self._reply(q, kind, text, citations, [p.id for p in projects], confidence)
        if q.intent in ("list", "count"):
            floor = hits[0].dense_score - 0.02  # keep the hits about as close as the best one
            keep = [h for h in hits if (h.dense_score or 0) >= floor or h.lexical_rank == 1] or hits[:3]
            projects = [self.plan.project(h.id) for h in keep]
            desc = "your question" if q.lang == "en" else "「" + q.text.strip()[:30] + "」に関連する主要事業"
            text, citations = compose.listing(projects, desc, q.lang, phrase=True)
            return self._reply(q, "list", text, citations, [p.id for p in projects], confidence)
        project = self.plan.project(hits[0].id)
        reply = self._about(q, [project], hit=hits[0], confidence=confidence)
        if reply.answer_type == "lookup":
            self._add_related(q, reply, hits)
        if confidence == "low":
            reply.answer = compose.uncertain_prefix(q.lang) + reply.answer
        return reply

    # --- helpers -----------------------------------------------------------------------------------

    def _policy_reply(self, q: Question, node: BasicPolicy | Policy, confidence: str = "high") -> Reply:
        """めざす姿 and children of a 施策; its rows become the context of a follow-up (「その事業は？」)."""
        text, citations = compose.policy(self.plan, node, q.lang)
        ids = [p.id for p in matching_projects(self.plan, Filters(policy=node.code))]
        if confidence == "low":
            text = compose.uncertain_prefix(q.lang) + text
        return self._reply(q, "policy", text, citations, ids, confidence)

    def _best_node(self, q: Question, hits: list[Hit]) -> Hit:
        """The 施策 a policy question is about: of the level it names (「個別施策の目標」 → H2-1), else the
        best node, giving way to one of its own 個別施策 that is about as close (see the settings)."""
        child_level = q.policy_level in ("policy", "approach")  # a 取組方針 is read within its 個別施策
        level = [h for h in hits if q.policy_level is None or ("-" in h.id) == child_level]
        best = (level or hits)[0]
        if q.policy_level is None and "-" not in best.id and best.dense_score is not None:
            children = [h for h in hits if h.id.startswith(best.id + "-") and h.dense_score is not None]
            child = max(children, key=lambda h: h.dense_score, default=None)
            if child is not None and child.dense_score >= best.dense_score - self.settings.child_policy_margin:
                return child
        return best

    def _policy_instead(self, q: Question, results: SearchResults) -> BasicPolicy | Policy | None:
        """A 施策 when the question is clearly closer to a policy goal than to any project row."""
        if not results.hits or results.hits[0].dense_score is None:
            return None
        nodes = self.searcher.search(q.text, k=10, filters=Filters(kinds=("policy",))).hits
        top = max((h.dense_score for h in nodes if h.dense_score is not None), default=None)
        if top is None or top < results.hits[0].dense_score + self.settings.policy_over_project_margin:
            return None
        return self.plan.node(self._best_node(q, nodes).id)

    def _add_related(self, q: Question, reply: Reply, hits: list[Hit]) -> None:
        """Up to two more rows that score almost as high as the answer's row, each with its best line.

        A citizen's wording often fits two rows about equally (an application fee and the facility it is
        for); showing the close runners-up lets the caller or the operator pick, instead of a wrong guess.
        """
        top = hits[0].score
        shown = {c.excerpt for c in reply.citations}
        related = [h for h in hits[1:] if h.score >= top * self.settings.related_ratio and h.excerpt not in shown][:2]
        if not related:
            return
        text, citations = compose.related([(self.plan.project(h.id), h.excerpt) for h in related], q.lang)
        reply.answer += "\n" + text
        reply.citations.extend(citations)  # project_ids stay the main row's: follow-ups refer to it

    def _narrow(self, q: Question, projects: list[Project]) -> list[Project]:
        """Projects of ``projects`` that the question's remaining words point to (search within them)."""
        query = " ".join(q.content_tokens) or q.text
        allowed = frozenset(p.id for p in projects)
        ranked = self.searcher.search(query, k=len(projects), filters=Filters(kinds=("project",), ids=allowed)).hits
        # Keep what BM25 matched (a shared plan word); otherwise only the closest by similarity.
        keep = [h for h in ranked if h.lexical_rank is not None] or ranked[:1]
        return [self.plan.project(h.id) for h in keep[:5]]

    def _about(self, q: Question, projects: list[Project], *, hit: Hit | None = None, confidence="high",
               previous_context: bool = False) -> Reply:  # fmt: skip
        ids = [p.id for p in projects]
        if q.intent == "who" and len(projects) > 5:
            # 「その担当は？」 after a long list: the list again, each row with its departments.
            desc = "前の回答の事業と担当課" if q.lang == "ja" else "the previous answer, with departments"
            text, citations = compose.listing(projects, desc, q.lang, phrase=True)
            return self._reply(q, "who", text, citations, ids, confidence)
        if q.intent == "who":
            text, citations = compose.who(projects, q.lang)
            return self._reply(q, "who", text, citations, ids, confidence)
        if q.intent == "when":
            parts = [compose.when(p, q.lang, q.years) for p in projects[:5]]
            text = "\n".join(t for t, _ in parts)
            return self._reply(q, "when", text, [c for _, cs in parts for c in cs], ids, confidence)
        if len(projects) > 1:
            desc = "前の回答のうち、お尋ねに該当する事業" if previous_context else "お尋ねに該当する事業"
            text, citations = compose.listing(
                projects,
                desc if q.lang == "ja" else "your question",
                q.lang,
                count_only=q.intent == "count",
                phrase=True,
            )
            return self._reply(q, "count" if q.intent == "count" else "list", text, citations, ids, confidence)
        project = projects[0]
        if q.years:
            # What the row says for that year, or plainly that the plan gives it no year.
            text, citations = compose.lookup_year(project, q.years, q.lang) or compose.when(project, q.lang, q.years)
            return self._reply(q, "lookup", text, citations, ids, confidence)
        tokens = set(self.searcher.tokenizer(q.text))
        lines = list(project.summary_lines)
        ranked = [hit.excerpt, hit.runner_up] if hit is not None else self.searcher.rank_lines(lines, tokens)[:2]
        excerpts = [line for line in ranked if line in lines] or lines[:1]
        if all(len(line) < 60 for line in excerpts) and lines and lines[0] not in excerpts:
            excerpts = [lines[0], excerpts[0]]  # bullets alone lack the purpose; the first line states it
        excerpts.sort(key=lines.index)  # quoted in plan order, as the row reads
        text, citations = compose.lookup(project, excerpts, q.lang)
        return self._reply(q, "lookup", text, citations, ids, confidence)

    def _suggestions(self, q: Question, answer_type: str, ids: list[str]) -> list[str]:
        if answer_type == "not_found" or not ids:
            return EN_SUGGESTIONS if q.lang == "en" else DEFAULT_SUGGESTIONS
        if len(ids) == 1:
            name = self.plan.project(ids[0]).name
            if q.lang == "en":
                return ["Who is in charge?", "When does it start?"]
            options = {"who": "いつから？", "when": "担当はどこ？", "lookup": "担当はどこ？"}
            return [
                options.get(answer_type, "担当はどこ？"),
                f"{name}の予定は？" if answer_type != "when" else "詳しく教えて",
            ]
        return ["その中で担当課は？"] if q.lang == "ja" else ["Who handles them?"]
