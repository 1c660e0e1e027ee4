"""The parts of the coverage decision that need no model: topic words, rarity, asked aspects, the fit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answer.coverage import FEATURES, CoverageModel, Signals, load_aspects
from assistant.answer.topics import TopicWord, strip_markup, topic_words, zipf
from assistant.answer.types import Question
from assistant.answer.understand import RULES_PATH
from assistant.evaluation.calibrate import MAX_REFUSED
from assistant.evaluation.coverage_fit import (
    Observation,
    choose_high,
    choose_threshold,
    fit_coverage,
    fit_logistic,
    out_of_fold,
)
from assistant.index.tokenizer import SudachiTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return SudachiTokenizer()


def forms(tokenizer, text, frame=frozenset({"担当", "課", "事業"})):
    return [w.form for w in topic_words(tokenizer, text, frame)]


def test_topic_words_are_the_nouns_without_frame_numbers_or_adverbs(tokenizer):
    assert forms(tokenizer, "ふるさと納税の返礼品は何がもらえると？") == ["ふるさと納税", "返礼品"]
    # 今日 (副詞可能), 3 (数詞) and the frame word 担当 carry no topic.
    assert forms(tokenizer, "今日3回目の電話ですが担当課は？") == ["電話"]
    assert forms(tokenizer, "もしもし") == []


def test_english_topic_words_skip_function_words_and_markup_is_not_a_topic(tokenizer):
    rules = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    frame = frozenset(rules["english_stopwords"])
    assert forms(tokenizer, "Where can I get a residence certificate?", frame) == ["residence", "certificate"]
    assert forms(tokenizer, "What does the city do for people?", frame) == ["city", "people"]
    assert strip_markup("<b>test</b> <script>x</script>").split() == ["test", "x"]
    assert "script" not in forms(tokenizer, "<script>alert(1)</script>")


def test_a_compound_missing_from_the_frequency_list_takes_its_rarest_part(tokenizer):
    (word,) = topic_words(tokenizer, "駐車場", frozenset())
    assert word.parts == ("駐車", "場")
    assert 0 < zipf(word) < 6
    assert zipf(TopicWord("qzxv", "qzxv", True)) == 0.0  # keyboard mashing is unknown
    assert zipf(TopicWord("返礼品", "返礼品", False, ("返礼", "品"))) < zipf(TopicWord("料金", "料金", False))


def question(text: str, set_words: bool = False) -> Question:
    return Question(text=text, lang="ja", intent="lookup", set_words=set_words)


def test_an_aspect_is_asked_by_its_cues_and_stated_by_its_evidence():
    aspects = {a.labels["ja"]: a for a in load_aspects()}
    money, count = aspects["金額"], aspects["具体的な数"]
    assert money.asked("手数料はいくらかかると？", question(""))
    assert not money.asked("手数料をキャッシュレスで払える？", question(""))
    # A word of the kind may be the topic: it weighs in, but does not ask for the amount.
    assert money.mentioned("新しい料金はいつから？", question("")) and not money.asked(
        "新しい料金はいつから？", question("")
    )
    assert money.stated("使用料は1回500円とする") and not money.stated("使用料等を見直す")
    # Counting the plan's own rows is not a figure the plan lacks.
    assert count.asked("職員は何人いる？", question(""))
    assert not count.asked("デジタル関係の事業は何件？", question("", set_words=True))
    assert aspects["受付時間や開いている時間"].asked("what time does it open on sundays", question(""))
    assert not aspects["受付時間や開いている時間"].asked("good neighbours", question(""))  # whole words only


def model(weights, bias=0.0, threshold=0.5, high=0.9) -> CoverageModel:
    n = len(FEATURES)
    return CoverageModel(tuple(weights), bias, (0.0,) * n, (1.0,) * n, threshold, high)


def signals(**values) -> Signals:
    return Signals({name: values.get(name, 0.0) for name in FEATURES})


def test_model_round_trips_and_refuses_a_stale_feature_list():
    m = model([0.5] * len(FEATURES), bias=-0.2, threshold=0.3, high=0.95)
    again = CoverageModel.from_dict(m.to_dict())
    assert again is not None and again.probability(signals(dense=1.0)) == pytest.approx(
        m.probability(signals(dense=1.0))
    )
    stale = {**m.to_dict(), "features": list(FEATURES[:-1])}
    assert CoverageModel.from_dict(stale) is None
    assert CoverageModel.from_dict(None) is None


def test_probability_follows_the_weights():
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("dense")] = 2.0
    weights[FEATURES.index("aspect_unmet")] = -3.0
    m = model(weights)
    assert m.probability(signals(dense=1.0)) > m.probability(signals(dense=0.0)) > 0.0
    assert m.probability(signals(dense=1.0, aspect_unmet=1.0)) < m.probability(signals(dense=1.0))


def test_logistic_fit_separates_and_the_cut_keeps_in_scope_refusals_bounded():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(1.0, 0.5, (100, 2)), rng.normal(-1.0, 0.5, (100, 2))])
    y = np.array([1.0] * 100 + [0.0] * 100)
    w, b = fit_logistic(x, y)
    assert w[0] > 0 and w[1] > 0
    p = 1 / (1 + np.exp(-(x @ w + b)))
    threshold, scores = choose_threshold(p, y.astype(bool))
    assert scores["refused_in_scope"] <= MAX_REFUSED * 100
    assert scores["f1"] > 0.9
    right = y.astype(bool)
    high = choose_high(p, right, threshold)
    assert right[p >= high].mean() >= 0.97


def test_out_of_fold_probabilities_are_less_sure_than_the_fit_on_its_own_rows():
    # The cuts are read off out-of-fold probabilities: a row is never scored by a model that saw it, so an
    # odd in-scope question near the out-of-scope ones keeps a low probability instead of being fitted in.
    rng = np.random.default_rng(1)
    dense = np.concatenate([rng.normal(0.7, 0.1, 60), rng.normal(0.4, 0.1, 60)])
    rows = [
        Observation(f"q{i}", i < 60, "in_scope" if i < 60 else "service", signals(dense=float(d)), True)
        for i, d in enumerate(dense)
    ]
    x = np.array([r.signals.vector() for r in rows])
    y = np.array([r.in_scope for r in rows], dtype=float)
    p = out_of_fold(rows, x, y)
    assert p[:60].mean() > 0.5 > p[60:].mean()  # still separates
    model, meta = fit_coverage(rows)
    fitted = np.array([model.probability(r.signals) for r in rows])
    # the in-sample fit is more confident about its own rows than the held-out folds are
    assert np.abs(fitted - 0.5).mean() >= np.abs(p - 0.5).mean() - 1e-9
    assert meta["cuts"].startswith("out of fold") and meta["refused_in_scope"] <= max(1, MAX_REFUSED * 60)
