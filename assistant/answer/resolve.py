"""Step 2 of answering: resolve a route into what the plan says — rows, evidence lines, confidence.

Each route of :mod:`assistant.answer.decide` finds its rows (the previous answer's, a facet's complete set,
a named row, a policy node or the best search hits), asks the coverage judge whether the plan covers the
question, and picks the verbatim sentences that answer it (:mod:`assistant.answer.evidence`). The result is
a :class:`Resolved`: no sentence is written here, compose.py owns every frame.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from assistant.answer.coverage import CoverageJudge, Verdict
from assistant.answer.decide import Route
from assistant.answer.evidence import EvidenceRanker
from assistant.answer.types import Confidence, ListAbout, Question, Resolved
from assistant.corpus.models import Project
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import without_years
from assistant.retrieval.filters import matching_projects
from assistant.retrieval.types import Filters, Hit, SearchResults
from assistant.settings import Settings


class Searcher(Protocol):
    """What resolving needs of the search stage (HybridSearcher; a fake in fast tests)."""

    tokenizer: object

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> SearchResults: ...

    def line_similarity(self, query: str, doc: str) -> dict[str, float]: ...

    def line_tokens(self, line: str) -> frozenset[str]: ...


class Resolver:
    def __init__(self, plan: Plan, searcher: Searcher, coverage: CoverageJudge, settings: Settings) -> None:
        self.plan, self.searcher, self.coverage, self.settings = plan, searcher, coverage, settings
        self.evidence = EvidenceRanker(searcher, coverage.aspects)

    def resolve(self, q: Question, route: Route) -> Resolved:
        resolved = self._route(q, route)
        resolved.focus = self.evidence.focus(q, [line for lines in resolved.evidence.values() for line in lines])
        return resolved

    def _route(self, q: Question, route: Route) -> Resolved:
        step = {
            "followup": self._followup,
            "nothing": lambda q, route: Resolved("nothing", confidence="none", coverage="nothing"),
            "policy": self._policy,
            "facet_list": self._facet_list,
            "named": self._named,
            "search": self._search,
        }[route.kind]
        return step(q, route)

    # --- routes ------------------------------------------------------------------------------------

    def _followup(self, q: Question, route: Route) -> Resolved:
        projects = [p for p in map(self.plan.project, route.rows) if p is not None]
        year = route.year
        if year and len(projects) > 1:
            # 「その中で令和8年度のものは？」: the previous rows (narrowed by any topic words) with a schedule
            # entry for that year; one row is answered about that year on its own.
            if q.content_tokens:
                projects = self.narrow(q, projects) or projects
            in_year = [p for p in projects if p.covers_year(year)]
            if len(in_year) == 1 or (not in_year and len(projects) == 1):
                return self.about(q, in_year or projects, previous=True)
            if not in_year:  # a plain no, and the rows stay the topic
                return Resolved("none_in_year", projects, years=(year,), ids=list(route.rows))
            return Resolved("list", in_year, about=ListAbout("previous_year", year=year), years=(year,))
        if q.content_tokens and len(projects) > 1:
            projects = self.narrow(q, projects)
            if not projects:
                return Resolved("not_covered", confidence="none", coverage="not_covered")
        # Who answers a follow-up from the rows' records; anything else is read from their text, and such
        # answers were right less often than "high" promises (dev: 85%), so they say "low".
        confidence: Confidence = "high" if q.intent == "who" else "low"
        return self.about(q, projects, previous=True, confidence=confidence)

    def _policy(self, q: Question, route: Route) -> Resolved:
        node = self.plan.node(q.policy) if q.policy else None
        if node is not None:
            return self.policy_goal(node, q, "high")
        results = self.searcher.search(q.text, k=10, filters=Filters(kinds=("policy",)))
        verdict = self.coverage.judge(q, results)
        if not verdict.covered:
            return self.refusal(q, verdict, results)
        return self.policy_goal(self.plan.node(self.best_node(q, results.hits).id), q, verdict.confidence)

    def _facet_list(self, q: Question, route: Route) -> Resolved:
        filters = self._with_union(q, route.filters)
        projects = matching_projects(self.plan, filters)
        year = route.year
        if q.starts and year:
            projects = [p for p in projects if any(e.start_fy == year for e in p.schedule)]
        narrowed = False
        if q.content_tokens and len(projects) > 1 and not route.whole_set:
            # 「令和8年度の個人住民税関係の事業」: the facets give the set, the other words pick from it.
            kept = self.narrow(q, projects)
            narrowed = bool(kept) and len(kept) < len(projects)
            projects = kept or projects
        about = ListAbout("facets", q.departments, q.policy, q.tags, year, q.starts, narrowed)
        return Resolved("count" if q.intent == "count" else "list", projects, about=about, years=q.years[:1])

    def _named(self, q: Question, route: Route) -> Resolved:
        """A project named outright (「コールセンター運営の担当は？」)."""
        projects = [self.plan.project(i) for i in route.rows]
        if len(projects) > 1 and q.intent == "lookup":
            projects = self.narrow(q, projects) or projects
        # 「地域おこし協力隊の給料はいくら？」 names a row but asks for a fact of a kind it does not state.
        unmet = self.coverage.unmet_aspects(q, projects[0].id)
        if unmet and q.intent not in ("who", "when"):
            first = projects[0].summary_lines[0] if projects[0].summary_lines else projects[0].name
            return self.partly(projects[0], first, unmet[:1])
        return self.about(q, projects[:1] if q.intent == "lookup" else projects)

    def _search(self, q: Question, route: Route) -> Resolved:
        """Search within any facets the question named; answer from the best row if the plan covers it."""
        filters = replace(self._with_union(q, route.filters), kinds=("project",))
        k = 10 if q.intent in ("list", "count") else 5
        # A year narrows a list, and a when-question, to the rows dated then; a lookup is about one row, whose
        # entry for that year (or its absence) the answer states, so it searches by its topic alone.
        if q.intent == "lookup" and route.year:
            results = self.searcher.search(without_years(q.text), k=k, filters=replace(filters, year=None))
        else:
            results = self.searcher.search(q.text, k=k, filters=filters)
        verdict = self.coverage.judge(q, results)
        if not verdict.covered:
            return self.refusal(q, verdict, results)
        hits, confidence = results.hits, verdict.confidence
        has_facets = bool(q.departments or q.tags or q.policy or q.years)
        if q.intent == "lookup" and not has_facets:
            node = self._policy_instead(q, results)
            if node is not None:  # a guess that the goal is meant: never "high"
                return self.policy_goal(node, q, "low", guessed=True)
        if q.intent in ("list", "count"):
            return self._listed_hits(q, hits, confidence)
        close = [h for h in hits[1:3] if h.score >= hits[0].score * self.settings.choice_ratio]
        if close and not has_facets and q.intent in ("lookup", "who", "when"):
            return self._choices(q, [hits[0], *close])
        resolved = self.about(q, [self.plan.project(hits[0].id)], confidence=confidence)
        if resolved.shape in ("lookup", "lookup_year"):
            resolved.related = self._related(resolved, hits)
        resolved.guessed = confidence == "low"
        return resolved

    # --- pieces ------------------------------------------------------------------------------------

    def _choices(self, q: Question, hits: list[Hit]) -> Resolved:
        """The best rows are too close to call: each with the line closest to the question, to pick from."""
        projects = [self.plan.project(h.id) for h in hits]
        evidence = {p.id: self.evidence.best(q, p) for p in projects}
        return Resolved("choices", projects, evidence=evidence, confidence="low")

    def _with_union(self, q: Question, filters: Filters) -> Filters:
        """Several tags or departments named: the rows of any of them (within the other facets)."""
        ids = None
        if len(q.tags) > 1:
            ids = {p.id for p in self.plan.projects if set(q.tags) & set(p.tags)}
        if len(q.departments) > 1:
            named = {p.id for p in self.plan.projects if set(q.departments) & set(p.departments)}
            ids = named if ids is None else ids & named
        return filters if ids is None else replace(filters, ids=frozenset(ids))

    def _listed_hits(self, q: Question, hits: list[Hit], confidence: Confidence) -> Resolved:
        kind = "count" if q.intent == "count" else "list"
        if q.policy_level == "approach":
            # 「…を扱う取組方針には、どんな事業が？」: the best row's 取組方針, listed completely.
            best = self.plan.project(hits[0].id)
            projects = sorted([best, *self.plan.neighbours(best)], key=self.plan.projects.index)
            return Resolved(kind, projects, about=ListAbout("approach"), confidence=confidence)
        floor = hits[0].dense_score - 0.02  # keep the hits about as close as the best one
        keep = [h for h in hits if (h.dense_score or 0) >= floor or h.lexical_rank == 1] or hits[:3]
        projects = [self.plan.project(h.id) for h in keep]
        return Resolved("list", projects, about=ListAbout("query", text=q.asked or q.text), confidence=confidence)

    def policy_goal(self, node, q: Question, confidence: Confidence, guessed: bool = False) -> Resolved:
        """めざす姿 and children of a 施策; its rows become the context of a follow-up (「その事業は？」)."""
        ids = [p.id for p in matching_projects(self.plan, Filters(policy=node.code))]
        return Resolved("policy", node=node, confidence=confidence, guessed=guessed or confidence == "low", ids=ids)

    def refusal(self, q: Question, verdict: Verdict, results: SearchResults) -> Resolved:
        """What the plan does not cover, said plainly: near a row (partly) with that row as related text."""
        best = results.hits[0] if results.hits else None
        project = self.plan.project(best.id) if best is not None else None
        if verdict.outcome != "partly" or project is None:
            return Resolved("not_covered", confidence="none", coverage="not_covered")
        return self.partly(project, best.excerpt, verdict.missing)

    @staticmethod
    def partly(project: Project, line: str, missing: tuple[str, ...]) -> Resolved:
        return Resolved(
            "partly", [project], evidence={project.id: [line]}, confidence="none", coverage="partly",
            missing=missing, ids=[],
        )  # fmt: skip

    def best_node(self, q: Question, hits: list[Hit]) -> Hit:
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

    def _policy_instead(self, q: Question, results: SearchResults):
        """A 施策 when the question is clearly closer to a policy goal than to any project row."""
        if not results.hits or results.hits[0].dense_score is None:
            return None
        nodes = self.searcher.search(q.text, k=10, filters=Filters(kinds=("policy",))).hits
        top = max((h.dense_score for h in nodes if h.dense_score is not None), default=None)
        if top is None or top < results.hits[0].dense_score + self.settings.policy_over_project_margin:
            return None
        return self.plan.node(self.best_node(q, nodes).id)

    def _related(self, resolved: Resolved, hits: list[Hit]) -> list[tuple[Project, str]]:
        """Up to two more rows that score almost as high as the answer's row, each with its best line.

        A citizen's wording often fits two rows about equally (an application fee and the facility it is
        for); showing the close runners-up lets the caller or the operator pick, instead of a wrong guess.
        """
        top = hits[0].score
        shown = {line for lines in resolved.evidence.values() for line in lines}
        related = [h for h in hits[1:] if h.score >= top * self.settings.related_ratio and h.excerpt not in shown]
        return [(self.plan.project(h.id), h.excerpt) for h in related[:2]]

    def narrow(self, q: Question, projects: list[Project]) -> list[Project]:
        """Projects of ``projects`` that the question's remaining words point to (search within them)."""
        query = " ".join(q.content_tokens) or q.text
        allowed = frozenset(p.id for p in projects)
        ranked = self.searcher.search(query, k=len(projects), filters=Filters(kinds=("project",), ids=allowed)).hits
        # Keep what BM25 matched (a shared plan word); otherwise only the closest by similarity.
        keep = [h for h in ranked if h.lexical_rank is not None] or ranked[:1]
        return [self.plan.project(h.id) for h in keep[:5]]

    def about(self, q: Question, projects: list[Project], *, confidence: Confidence = "high",
              previous: bool = False) -> Resolved:  # fmt: skip
        """One or a few known rows, answered as the question asks (who / when / a year / a lookup)."""
        if q.intent == "who" and len(projects) > 5:
            # 「その担当は？」 after a long list: the list again, each row with its departments.
            return Resolved("list", projects, about=ListAbout("who_previous"), confidence=confidence)
        if q.intent == "who":
            evidence = {p.id: self.evidence.best(q, p) for p in projects[:5]}
            return Resolved("who", projects, evidence=evidence, confidence=confidence)
        if q.intent == "when":  # dated entries, the answering one first; an undated row's closest line
            evidence = {
                p.id: [e.text for e in self.evidence.entries(q, p)] or self.evidence.best(q, p) for p in projects[:5]
            }
            return Resolved("when", projects, evidence=evidence, years=q.years, confidence=confidence)
        if len(projects) > 1:
            kind = "count" if q.intent == "count" else "list"
            about = ListAbout("previous" if previous else "matching")
            return Resolved(kind, projects, about=about, confidence=confidence)
        project = projects[0]
        if q.years:  # what the row says for that year, or plainly that the plan gives it no year
            return Resolved("lookup_year", [project], years=q.years, confidence=confidence)
        lines = self.evidence.lookup_lines(q, project)
        return Resolved("lookup", [project], evidence={project.id: lines}, confidence=confidence)
