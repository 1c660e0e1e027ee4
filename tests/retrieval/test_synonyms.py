"""The query thesaurus: everyday words → plan words, for BM25 only; unit rules and the real search."""

from __future__ import annotations

import json

import pytest

from assistant.retrieval.synonyms import SYNONYMS_PATH, Thesaurus
from assistant.retrieval.types import Filters


def test_japanese_keys_match_inside_words_ascii_keys_only_whole_words():
    thesaurus = Thesaurus({"催促": ["督促"], "fee": ["使用料"], "open data": ["オープンデータ"]})
    assert thesaurus.expand("税金の催促が来た") == "督促"
    assert thesaurus.expand("What FEES will change?") == ""  # 'fee' is not a word of 'fees'
    assert thesaurus.expand("the fee for halls") == "使用料"
    assert thesaurus.expand("How much Open Data?") == "オープンデータ"


def test_katakana_keys_match_whole_katakana_words_only():
    thesaurus = Thesaurus({"ネット": ["インターネット"], "ライン": ["LINE"]})
    assert thesaurus.expand("いつからﾈｯﾄに出しよると？") == "インターネット"  # half-width kana too
    assert thesaurus.expand("庁内ネットワークの整備") == ""
    assert thesaurus.expand("オンライン申請とガイドライン") == ""


def test_shipped_thesaurus_leaves_ordinary_plan_and_english_words_alone():
    thesaurus = Thesaurus.load()
    for text in (
        "庁内ネットワーク",
        "ガイドライン",
        "オンライン",
        "in 10 minutes",
        "the office will move to a new building",
    ):
        assert thesaurus.expand(text) == "", text


def test_words_already_asked_and_repeats_are_not_added():
    thesaurus = Thesaurus({"ケータイ": ["スマホ", "携帯電話"], "携帯": ["スマホ"]})
    assert thesaurus.expand("ケータイとスマホ") == "携帯電話"
    assert thesaurus.expand("携帯電話の使い方") == "スマホ"


def test_shipped_thesaurus_is_well_formed():
    data = json.loads(SYNONYMS_PATH.read_text(encoding="utf-8"))
    entries = {k: v for k, v in data.items() if not k.startswith("_")}
    assert len(Thesaurus.load()) == len(entries) > 50
    for key, targets in entries.items():
        assert key.strip() and targets and all(isinstance(t, str) and t.strip() for t in targets), key


# The thesaurus's reach, where it was established: on e5-small the question's own words do not get to these rows
# and the plan's words do. EmbeddingGemma (the default) finds most of them unaided; there the test below only
# asks that the thesaurus never pushes a row down.
JAPANESE_CASES = [
    ("税金の催促が来たけど、どこに聞けばいい？", "市税等の未収金対策"),  # 催促 → 督促・滞納
    ("ケータイの使い方ば教えてくれるとこある？", "スマホサロンの推進事業"),  # ケータイ → スマホ
    ("仕事の流れを見える化する取組はある？", "デジタル等を活用したBPR推進事業"),  # 見える化 → 可視化
]
ENGLISH_CASES = [
    ("Does the city outsource tax collection work?",
     "市税等の効果的回収に向けた収納・徴収事務の包括的委託"),
    ("Is there a committee that advises on collaboration between citizens and the city?", "市民協働推進事業"),
]  # fmt: skip


def _rank(searcher, question: str, name: str, thesaurus: bool) -> int | None:
    saved = searcher.thesaurus
    searcher.thesaurus = saved if thesaurus else None
    try:
        hits = searcher.search(question, k=10, filters=Filters(kinds=("project",))).hits
    finally:
        searcher.thesaurus = saved
    return next((rank for rank, hit in enumerate(hits, start=1) if hit.name == name), None)


@pytest.mark.slow
@pytest.mark.parametrize(("question", "name"), JAPANESE_CASES + ENGLISH_CASES)
def test_thesaurus_puts_the_row_first_on_the_small_model(profile_runtime, question, name):
    # (Before the everyday vocabulary of corpus/everyday.json, words alone did not; some rows now know
    # their everyday words themselves, so only the result with the thesaurus is asserted.)
    searcher = profile_runtime("e5-small")[0].searcher
    assert searcher.thesaurus is not None  # on by default
    assert _rank(searcher, question, name, thesaurus=True) == 1


@pytest.mark.slow
@pytest.mark.parametrize(("question", "name"), JAPANESE_CASES + ENGLISH_CASES)
def test_thesaurus_never_pushes_the_row_down_on_the_default_model(runtime, question, name):
    with_words = _rank(runtime.searcher, question, name, thesaurus=True)
    without = _rank(runtime.searcher, question, name, thesaurus=False)
    assert with_words is not None and (without is None or with_words <= without), (with_words, without)


def test_only_english_questions_carry_the_plan_words_into_the_embedding(runtime):
    searcher = runtime.searcher
    question = "Who collects unpaid taxes?"
    added = searcher.thesaurus.expand(question)
    assert "滞納" in added and searcher.dense_query(question) == f"{question} {added}"
    assert searcher.dense_query("税金の催促が来た") == "税金の催促が来た"  # Japanese is embedded as asked
    assert "督促" in searcher.lexical_query("税金の催促が来た")  # but BM25 gets the plan's words
