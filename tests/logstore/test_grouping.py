"""Normalisation and clustering of similar questions for the unanswered report."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.logstore.grouping import bigrams, cluster_questions, jaccard, normalise_question


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ごみの出し方", "ごみ出し方"),
        ("ゴミの出し方は？", "ごみ出し方"),
        ("ごみ出し方教えて", "ごみ出し方"),
        ("ｺﾞﾐの 出し方を教えてください。", "ごみ出し方"),
        ("バスの時刻表", "ばす時刻表"),
        ("ＡＢＣ事業について", "abc事業"),
    ],
)
def test_normalise_question(text, key):
    assert normalise_question(text) == key


def test_question_made_only_of_particles_keeps_a_key():
    assert normalise_question("は？") == "は"


def test_jaccard_on_bigrams():
    assert jaccard(bigrams("ごみ出し方"), bigrams("ごみ出し方")) == 1.0
    assert jaccard(bigrams("ごみ出し方"), bigrams("ばす時刻表")) == 0.0
    assert bigrams("a") == frozenset({"a"})
    assert bigrams("") == frozenset()


def test_similar_wordings_cluster_and_the_most_frequent_is_the_seed():
    questions = [
        "ごみの出し方",
        "ゴミの出し方は？",
        "ごみ出し方教えて",
        "バスの時刻表",
        "ゴミの出し方は？",
        "バスの時刻表は",
    ]
    clusters = cluster_questions({"question": q} for q in questions)
    grouped = sorted(sorted(m["question"] for m in c.members) for c in clusters)
    assert grouped == [
        sorted(["ごみの出し方", "ゴミの出し方は？", "ごみ出し方教えて", "ゴミの出し方は？"]),
        ["バスの時刻表", "バスの時刻表は"],
    ]


def test_unrelated_questions_stay_apart():
    clusters = cluster_questions(
        {"question": q} for q in ["ごみの出し方", "ごみの分別", "市民病院の場所", "図書館の開館時間"]
    )
    assert len(clusters) == 4


def test_pii_placeholders_do_not_split_groups():
    assert normalise_question("ゴミの出し方は？ ［電話番号］") == normalise_question("ごみの出し方")


def _brute_force(questions: list[str], threshold: float = 0.6) -> list[list[str]]:
    """The clustering as specified, comparing each key with every seed: the reference for the index."""
    by_key: dict[str, list[str]] = {}
    for question in questions:
        by_key.setdefault(normalise_question(question), []).append(question)
    seeds: list[tuple[frozenset[str], list[str]]] = []
    for key, members in sorted(by_key.items(), key=lambda kv: -len(kv[1])):
        grams = bigrams(key)
        match = next((seed for seed in seeds if jaccard(grams, seed[0]) >= threshold), None)
        if match is None:
            match = (grams, [])
            seeds.append(match)
        match[1].extend(members)
    return [members for _, members in seeds]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from("ごみバス出し方の時刻表はを教えて公園"), max_size=12), max_size=40))
def test_prefix_filtered_index_gives_the_same_groups_as_brute_force(questions):
    fast = [[m["question"] for m in c.members] for c in cluster_questions({"question": q} for q in questions)]
    assert fast == _brute_force(questions)
