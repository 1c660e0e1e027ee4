"""The decide step is a pure function of the question: fast tests, no model, no index."""

from __future__ import annotations

import pytest

from assistant.answer.decide import Context, Route, decide, facet_filters
from assistant.answer.types import Question

PREVIOUS = ("H1-1/1/1", "H1-1/1/2")


def question(intent="lookup", **fields) -> Question:
    return Question(text=fields.pop("text", "…"), lang="ja", intent=intent, **fields)


@pytest.mark.parametrize(
    ("q", "ctx", "kind"),
    [
        # 「それはいつから？」 after an answer: the previous rows
        (question("when", followup=True, refers_back=True), Context(PREVIOUS), "followup"),
        # the same words with no previous answer are a new question
        (question("when", followup=True, refers_back=True, content_tokens=("それ",)), Context(), "search"),
        # 「今年は？」: a year and nothing of its own follows up
        (question(years=(2026,)), Context(PREVIOUS), "followup"),
        # 「令和8年度の事業は？」 names a set: a new list, not a follow-up
        (question("list", years=(2026,), set_words=True), Context(PREVIOUS), "facet_list"),
        # 「令和8年度のスマホ教室は？」 has a noun of its own
        (question(years=(2026,), topic_nouns=True, content_tokens=("スマホ", "教室")), Context(PREVIOUS), "search"),
        # a greeting
        (question(), Context(nothing_to_look_up=True), "nothing"),
        # 「事業を全部」 asks for a set even with no topic word
        (question("list", set_words=True), Context(nothing_to_look_up=True), "search"),
        (question("list", set_words=True, departments=("DX推進課",)), Context(), "facet_list"),
        # a policy code, or a goal question without a department
        (question("policy", policy="H1-2", years=(2025,)), Context(), "policy"),
        (question("policy", content_tokens=("広報",)), Context(), "policy"),
        # two facets describe a set however it is phrased
        (question(policy="H3-1", tags=("新市役所創造",), content_tokens=("もの",)), Context(), "facet_list"),
        # a who question about a department's row is a search within it, not the department's list
        (question("who", departments=("DX推進課",), content_tokens=("研修",)), Context(), "search"),
        # 「令和8年度に始まる取組みは？」 lists the rows starting then
        (question("when", years=(2026,), starts=True), Context(), "facet_list"),
        (question("who", named_projects=("H1-1/1/1",)), Context(), "named"),
        # a named row is never a follow-up
        (question("when", followup=True, named_projects=("H1-1/1/1",)), Context(PREVIOUS), "named"),
        (question(content_tokens=("自治会", "加入")), Context(), "search"),
    ],
)
def test_route_kind(q, ctx, kind):
    assert decide(q, ctx).kind == kind


def test_followup_route_carries_the_previous_rows_and_year():
    route = decide(question(years=(2026,), refers_back=True), Context(PREVIOUS))
    assert route == Route("followup", facet_filters(question(years=(2026,))), 2026, PREVIOUS)


def test_a_start_year_is_not_a_schedule_filter():
    filters = facet_filters(question("when", years=(2026,), starts=True))
    assert filters.year is None
    assert facet_filters(question(years=(2026,))).year == 2026


def test_counts_and_complete_lists_are_never_narrowed():
    assert decide(question("count", departments=("DX推進課",), content_tokens=("研修",)), Context()).whole_set
    assert decide(question("list", departments=("DX推進課",), complete=True), Context()).whole_set
    assert not decide(question("list", departments=("DX推進課",), content_tokens=("研修",)), Context()).whole_set


def test_only_the_first_of_several_tags_is_a_filter():
    # the union of several 重点プロジェクト is resolved against the plan (resolve.py), not here
    assert facet_filters(question(tags=("経済再生", "少子化対策"))).tag is None
    assert facet_filters(question(tags=("経済再生",))).tag == "経済再生"
