"""What gets indexed (row chunks, sentence units, BM25 keywords) and how queries are varied for BM25.

Fast: the real Sudachi dictionary and the real plan, no embedding model.
"""

from __future__ import annotations

import pytest

from assistant.index.documents import build_chunks, lexical_texts, row_chunks
from assistant.index.tokenizer import SudachiTokenizer, code_tokens
from assistant.retrieval.search import has_japanese, with_katakana_variant


@pytest.fixture(scope="module")
def chunks(plan):
    return build_chunks(plan)


@pytest.fixture(scope="module")
def tokenizer():
    return SudachiTokenizer("core", "AC")


def test_every_summary_sentence_is_a_sentence_unit_of_its_row(plan, chunks):
    lines = [c for c in chunks if c.scope == "line"]
    for project in plan.projects:
        units = [c for c in lines if c.doc_id == project.id]
        assert [u.lines[0] for u in units] == list(project.summary_lines)
        assert all(u.text.startswith(project.name) for u in units)
    # Policy nodes with a めざす姿 get it as a unit, and the cited line is verbatim plan text.
    for unit in (c for c in lines if c.kind == "policy"):
        assert plan.contains_verbatim(unit.lines[0])


def test_bm25_sees_row_chunks_only_with_their_policy_code(plan, chunks):
    rows = row_chunks(chunks)
    texts = lexical_texts(chunks)
    assert len(texts) == len(rows) == len(plan.projects) + len(plan.basic_policies) + len(plan.policies)
    project = plan.projects[0]
    (row,) = [c for c in rows if c.doc_id == project.id]
    code = f"{project.path.policy_code}-{project.path.approach_number}"
    assert code in texts[rows.index(row)] and code not in row.text  # BM25 keyword, not embedded


def test_chunk_ids_are_unique(chunks):
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("H3-1の事業", ["h3-1", "h3"]),
        ("取組方針 H1-2-3 と H2", ["h1-2-3", "h1-2", "h1", "h2"]),
        ("ＨＳ３－１", []),  # not a code shape once normalised (two letters)
        ("ABC-1 2025-26", []),
        ("令和9年度", []),
    ],
)
def test_code_tokens(text, expected):
    assert code_tokens(text) == expected


def test_tokenizer_keeps_codes_whole(tokenizer):
    tokens = tokenizer("Ｈ３－１の主要事業")  # full-width, as typed on a Japanese keyboard
    assert "h3-1" in tokens and "h3" in tokens and "主要" in tokens


def test_katakana_variant_lets_bm25_find_a_hiragana_loanword(tokenizer):
    query = with_katakana_variant("すまほさろん　所管課")
    assert "スマホサロン" in query
    assert {"スマホ", "サロン"} <= set(tokenizer(query))
    assert with_katakana_variant("DX推進課の事業") == "DX推進課の事業"  # no long hiragana run: unchanged


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Who runs the call center?", False), ("コールセンター", True), ("市役所", True), ("H3-1", False)],
)
def test_has_japanese(text, expected):
    assert has_japanese(text) is expected
