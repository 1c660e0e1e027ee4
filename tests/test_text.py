"""The shared text helpers: one folding, whole-word matching for ASCII and (optionally) katakana words."""

from __future__ import annotations

from assistant.text import ascii_word_pattern, fold, fold_spaces, word_matcher


def test_fold_meets_full_and_half_width():
    assert fold("ＤＸ推進課") == fold("DX推進課") == "dx推進課"
    assert fold_spaces("  市役所の\u3000窓口  は？ ") == "市役所の 窓口 は?"


def test_ascii_words_match_whole_words_only():
    assert word_matcher("list")("list the projects")
    assert not word_matcher("list")("listening to residents")
    assert ascii_word_pattern(["who", "what year"]).search("in what year?")


def test_katakana_words_can_be_whole_runs():
    assert word_matcher("ネット", katakana_whole=True)("ネットで申請")
    assert not word_matcher("ネット", katakana_whole=True)("ネットワークの更新")
    assert word_matcher("ネット")("ネットワークの更新")  # a substring unless asked for whole runs
    assert word_matcher("担当")("担当課はどこ")
