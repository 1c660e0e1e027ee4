"""Arbitrary input through the answer composer and the whole Answerer (real model, real index).

The promise of assistant/answer: every citation excerpt is a verbatim substring of the plan, answers are
one of a fixed set of types, and the hand-off appears exactly when the assistant is not sure. The compose
functions are fed real records with arbitrary parameters; the Answerer is fed arbitrary text mixed with
plan vocabulary (so that every branch — lists, counts, who/when, policies, follow-ups — gets reached),
in conversations of two turns. Each Answerer example embeds and searches, so the counts are modest.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answer import frames as compose

pytestmark = pytest.mark.slow

ANSWER_TYPES = {"lookup", "who", "when", "list", "policy", "count", "not_found"}
COVERAGE = {"covered", "partly", "not_covered", "nothing"}
CONFIDENCE = {"high", "low", "none"}
LANG = st.sampled_from(["ja", "en"])
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def assert_citations_verbatim(plan, citations) -> None:
    for citation in citations:
        assert plan.contains_verbatim(citation.excerpt), citation.excerpt
        assert plan.project(citation.id) is not None or plan.node(citation.id) is not None, citation.id
        assert citation.source["line_start"] >= 1


# --- compose: real records, arbitrary parameters ---------------------------------------------------


@settings(FUZZ, max_examples=150)
@given(data=st.data(), lang=LANG)
def test_composed_answers_cite_verbatim(plan, data, lang):
    projects = data.draw(st.lists(st.sampled_from(plan.projects), min_size=1, max_size=12, unique_by=lambda p: p.id))
    project = projects[0]
    years = tuple(data.draw(st.lists(st.integers(1900, 2200), max_size=3)))
    excerpts = data.draw(st.lists(st.sampled_from(project.summary_lines or (project.name,)), max_size=3))
    node = data.draw(st.sampled_from([*plan.basic_policies, *plan.policies]))
    results = [
        compose.who(projects, lang),
        compose.when(project, lang, years),
        compose.listing(projects, data.draw(ANY_TEXT), lang, data.draw(st.booleans()), data.draw(st.booleans())),
        compose.policy(plan, node, lang),
        compose.lookup(project, excerpts, lang),
    ]
    for text, citations in results:
        assert isinstance(text, str) and text
        assert_citations_verbatim(plan, citations)
    handoff = {"name": "あじさいコール", "phone": "095-822-8888", "hours": "8:00～20:00"}
    assert "095-822-8888" in compose.not_found(handoff, lang)
    # Facet descriptions accept codes and names the plan does not have (from the question reader).
    description = compose.describe_filters(
        tuple(data.draw(st.lists(ANY_TEXT, max_size=2))),
        data.draw(st.one_of(st.none(), st.sampled_from(["H1", "H3-2", "Z9-9"]), ANY_TEXT)),
        tuple(data.draw(st.lists(ANY_TEXT, max_size=2))),
        data.draw(st.one_of(st.none(), st.integers(1989, 2100))),
        data.draw(st.booleans()),
        plan,
        lang,
    )
    assert isinstance(description, str) and description


# --- the Answerer end to end ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def answerer(runtime):
    from assistant.answer.service import Answerer

    return Answerer(runtime.plan, runtime.searcher, runtime.settings)


@pytest.fixture(scope="module")
def vocabulary(runtime) -> list[str]:
    """Words that steer the question reader into each branch."""
    plan = runtime.plan
    words = [p.name for p in plan.projects[::6]] + list(plan.department_counts)[::4] + list(plan.tag_counts)
    words += [node.code for node in plan.policies[::2]] + ["H1", "H3"]
    words += ["令和9年度", "2027年度", "R8", "に始まる", "の担当は？", "はいつから？", "一覧", "何件", "めざす姿"]
    words += ["それは", "その中で", "について教えて", "Who runs", "When does", "projects of", "?", "？", "\n"]
    return words


def message(vocabulary: list[str]):
    return st.lists(st.one_of(st.sampled_from(vocabulary), ANY_TEXT), max_size=6).map("".join)


def check_reply(runtime, reply) -> None:
    assert reply.answer_type in ANSWER_TYPES and reply.confidence in CONFIDENCE
    assert isinstance(reply.answer, str) and reply.answer.strip()
    assert reply.session_id and reply.message_id
    assert_citations_verbatim(runtime.plan, reply.citations)
    assert all(runtime.plan.project(i) is not None for i in reply.project_ids)
    assert reply.coverage in COVERAGE
    # A hand-off with every answer not marked "high", except when there was nothing to look up (rephrase).
    assert (reply.handoff is None) == (reply.confidence == "high" or reply.coverage == "nothing")
    if reply.answer_type == "not_found":
        assert reply.coverage != "covered" and reply.confidence == "none"
        # Only a partly covered answer cites plan text: the related row, never as the answer.
        assert (reply.citations != []) <= (reply.coverage == "partly") and not reply.project_ids
    else:
        assert reply.coverage == "covered"


@settings(FUZZ, max_examples=20)
@given(data=st.data())
def test_answerer_answers_any_text_with_verbatim_citations(runtime, answerer, vocabulary, data):
    first = answerer.answer(data.draw(message(vocabulary), label="first"), None)
    check_reply(runtime, first)
    # A second turn in the same conversation exercises the follow-up paths (「それはいつから？」).
    second = answerer.answer(data.draw(message(vocabulary), label="follow-up"), first.session_id)
    check_reply(runtime, second)
    assert second.session_id == first.session_id


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x1b[31m",
        "😀" * 200,
        "あ" * 500,
        "<script>alert(1)</script>",
        "H9-9/9/9",
        "令和999年度に始まる事業は？",
    ],
    ids=["empty", "space", "controls", "emoji", "500-kana", "script", "unknown-id", "far-year"],
)
def test_answerer_edge_inputs(runtime, answerer, text):
    check_reply(runtime, answerer.answer(text, None))
