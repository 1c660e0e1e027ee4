"""Step 1 of answering: decide, from the understood question alone, which way it is answered.

A pure function (no search, no model): a :class:`Question` and a little context in, a small typed
:class:`Route` out. Keeping it pure means every reading rule (「その中で令和8年度のものは？」 follows up,
「DX推進課の事業は？」 lists a facet, 「H1-2は2025年度にどうなることを目指してる？」 asks a goal) is tested in
milliseconds, without an index. What the route finds is :mod:`assistant.answer.resolve`'s work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.answer.types import Question
from assistant.retrieval.types import Filters

RouteKind = Literal["followup", "nothing", "policy", "facet_list", "named", "search"]


@dataclass(frozen=True, slots=True)
class Context:
    """What the question is read against: the previous answer's rows, and whether it names anything to
    look up at all (the coverage judge's :meth:`nothing_to_answer`, a word-list test)."""

    previous: tuple[str, ...] = ()
    nothing_to_look_up: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    """How a question is answered. ``filters`` are the facets it names (a department, 施策, tags, a year);
    ``year`` is the first year it names; ``rows`` the previous answer's (follow-up) or the named rows."""

    kind: RouteKind
    filters: Filters = field(default_factory=Filters)
    year: int | None = None
    rows: tuple[str, ...] = ()
    whole_set: bool = False  # a list of everything the facets select, never narrowed by topic words


def facet_filters(q: Question) -> Filters:
    """The structured facets the question names, as search filters. 「経済再生とか少子化対策の事業」 names
    two 重点プロジェクト, 「DX推進課または情報統計課」 two departments: lists and searches cover their union
    (the ids are resolved against the plan)."""
    year = q.years[0] if q.years else None
    return Filters(
        department=q.departments[0] if len(q.departments) == 1 else None,
        policy=q.policy,
        tag=q.tags[0] if len(q.tags) == 1 else None,
        year=None if q.starts else year,
    )


def is_followup(q: Question, ctx: Context) -> bool:
    """「それはいつから？」「その中でデジタル関係は？」 ask about the previous answer's rows. A year question
    follows up when a word points back, or when it brings nothing of its own (no noun, no set to list):
    「今年は？」 does, 「令和8年度の事業は？」「令和8年度のスマホ教室は？」 are new questions."""
    if not ctx.previous or q.named_projects:
        return False
    has_facets = bool(q.departments or q.tags or q.policy or q.years)
    elliptic = not (q.topic_nouns or q.set_words or q.complete) and q.intent not in ("list", "count")
    year_followup = bool(q.years) and not (q.departments or q.tags or q.policy or q.starts) and (
        q.refers_back or elliptic
    )  # fmt: skip
    return (q.followup and not has_facets) or year_followup


def lists_facets(q: Question) -> bool:
    """Only facets, or an explicit list/count: the complete set from the structured records."""
    year = q.years[0] if q.years else None
    has_facets = bool(q.departments or q.tags or q.policy or year)
    if not has_facets:
        return False
    # 「令和8年度に始まる取組みは？」 asks which projects, not when one project happens.
    year_list = q.intent == "when" and year is not None and not q.named_projects and len(q.content_tokens) <= 2
    n_facets = sum(1 for facet in (q.departments, q.tags, q.policy, year) if facet)
    # Two facets at once (「H3-1の事業のうち新市役所創造のもの」) describe a set, however it is phrased.
    wants_list = (
        q.intent in ("list", "count")
        or (not q.content_tokens and not q.named_projects)
        or (n_facets >= 2 and not q.named_projects and q.intent == "lookup")
    )
    return year_list or (wants_list and q.intent not in ("who", "when"))


def asks_children(q: Question) -> bool:
    """「H2-1にはどんな取組方針がある？」「H3の個別施策は？」 ask for the parts of a named 施策 (the policy
    answer lists them), not for a list of projects; any other facet makes it a project list again."""
    if not q.policy or q.departments or q.tags or q.named_projects:
        return False
    below = {"basic": (), "policy": ("basic",), "approach": ("basic", "policy")}
    level = "policy" if "-" in q.policy else "basic"
    return q.policy_level is not None and level in below[q.policy_level]


def decide(q: Question, ctx: Context) -> Route:
    """The route of one question, in order: follow-up, nothing to look up, a policy goal, a facet list,
    named rows, else a search within the named facets."""
    filters = facet_filters(q)
    year = q.years[0] if q.years else None
    if is_followup(q, ctx):
        return Route("followup", filters, year, ctx.previous)
    asks_whole_set = q.intent in ("list", "count") and (q.set_words or q.complete)  # 「事業を全部」
    if q.intent != "policy" and not asks_whole_set and ctx.nothing_to_look_up:
        return Route("nothing")
    if (q.intent == "policy" and (q.policy or not q.departments)) or asks_children(q):
        return Route("policy", filters, year)
    if lists_facets(q):
        return Route("facet_list", filters, year, whole_set=q.complete or q.intent == "count")
    if q.named_projects:
        return Route("named", filters, year, q.named_projects)
    return Route("search", filters, year)
