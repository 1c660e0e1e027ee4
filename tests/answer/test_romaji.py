"""Romanised project names: kana → romaji, spelling-insensitive sound keys, and matching on the real plan."""

from __future__ import annotations

import pytest

from assistant.answer.romaji import katakana_to_romaji, sound_key
from assistant.answer.understand import QuestionReader
from assistant.index.tokenizer import SudachiTokenizer


@pytest.mark.parametrize(
    ("kana", "romaji"),
    [
        ("ナガサキ", "nagasaki"),
        ("デンシュウショ", "denshuusho"),
        ("ジョウホウ", "jouhou"),
        ("キャッシュレス", "kyasshuresu"),
        ("マッチ", "matchi"),
        ("コール", "koru"),  # the long-vowel mark is dropped
        ("すまほ", "sumaho"),  # hiragana too
    ],
)
def test_katakana_to_romaji(kana, romaji):
    assert katakana_to_romaji(kana) == romaji


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Denshujo", "denshuusho"),  # long vowel written or not; rendaku (sho/jo)
        ("shimin", "simin"),  # Hepburn and Kunrei
        ("Shimbashi", "shinbashi"),
        ("jouhou", "johou"),
        ("densyuzyo", "denshujo"),  # Kunrei syu/zyo; the hu of shu is not Kunrei hu
        ("tyuo", "chuo"),
        ("hukushi", "fukushi"),
    ],
)
def test_spelling_variants_share_a_sound_key(a, b):
    assert sound_key(a) == sound_key(b)


def test_different_words_keep_different_keys():
    assert sound_key("sakana") != sound_key("sakura")


def test_romaji_names_on_the_real_plan(plan):
    reader = QuestionReader(plan, SudachiTokenizer("core", "AC"))
    denshujo = [p.id for p in plan.projects if p.name == "長崎伝習所事業"]
    assert reader.named_projects("who is in charge of the nagasaki denshujo program?", "en") == tuple(denshujo)
    # 「nagasaki」 alone fits many names, so it names none of them; Japanese questions are not romanised.
    assert reader.named_projects("what does nagasaki do for citizens?", "en") == ()
    # A match runs from one morpheme to another: 「site」 is inside アイシーティー, 「unite」 inside コミュニティ.
    assert reader.named_projects("who manages the city's web site?", "en") == ()
    assert reader.named_projects("how do residents unite?", "en") == ()
    # One short morpheme (力 of マネジメント力) is too little to name a project.
    assert reader.named_projects('promoting "shimin-ryoku"', "en") == ()


@pytest.mark.parametrize(
    "question",
    [
        "When will the smartphone salon schedule start?",
        "Which department handles open data and the call center?",
        "What projects promote collaboration with universities and companies?",
        "Is there a subsidy for neighborhood associations to repair their meeting halls?",
        "How does the city train its staff in digital transformation?",
    ],
)
def test_ordinary_english_names_no_project_by_sound(plan, question):
    reader = QuestionReader(plan, SudachiTokenizer("core", "AC"))
    assert reader._romaji_names.find(question.lower()) == ()
