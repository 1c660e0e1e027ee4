"""和暦 conversion and schedule extraction on the written forms of the plan."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.corpus.wareki import (
    extract_schedule,
    fiscal_year_of,
    format_fiscal_year,
    format_span,
    relative_years_in_text,
    to_wareki,
    years_in_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("・令和4年度：ネガ・ポジフィルムの把握・整理", [(2022, 2022, "令和4年度")]),
        ("・令和4年度～：保存すべき広報写真の選定", [(2022, None, "令和4年度～")]),
        ("・令和5～7年度 : 別館解体工事", [(2023, 2025, "令和5～7年度")]),
        ("・令和8～令和13年度システム構築・運用", [(2026, 2031, "令和8～令和13年度")]),
        ("・平成29～令和4年度 : 地区別計画の策定", [(2017, 2022, "平成29～令和4年度")]),
        ("・令和9年度以降 : 都市公園建設工事", [(2027, None, "令和9年度以降")]),
        ("国が目標とする令和7年度末までに移行する。", [(2025, 2025, "令和7年度末")]),
        ("令和元年度から導入しているRPA", [(2019, None, "令和元年度から")]),
        ("・令和５年度：全角の数字", [(2023, 2023, "令和５年度")]),
        ("○平成4年以降、全体的な見直しが行われていない", []),
        ("令和6年9月に策定した方針", []),
    ],
)
def test_extract_schedule(text, expected):
    assert [(e.start_fy, e.end_fy, e.label) for e in extract_schedule([text])] == expected


def test_entry_text_is_the_sentence_holding_the_mention():
    line = "○前期計画が令和7年度で終了する。令和8年度を初年度とする計画を策定する。"
    entries = extract_schedule([line])
    assert [e.text for e in entries] == ["○前期計画が令和7年度で終了する。", "令和8年度を初年度とする計画を策定する。"]


def test_formats():
    assert to_wareki(2019) == "令和元年度"
    assert to_wareki(2027) == "令和9年度"
    assert to_wareki(2017) == "平成29年度"
    assert format_fiscal_year(2027) == "令和9年度（2027年度）"
    assert format_span(2023, 2025) == "令和5年度（2023年度）～令和7年度（2025年度）"
    assert format_span(2027, None) == "令和9年度（2027年度）以降"


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("2027年度にやる事業は？", [2027]),
        ("令和9年度の予定", [2027]),
        ("R9の事業", [2027]),
        ("ＦＹ２０２６ projects", [2026]),
        ("令和元年から", [2019]),
        ("what happens in 2026 and 2027", [2026, 2027]),
        ("RPAの事業", []),
        ("電話は095-822-8888", []),
    ],
)
def test_years_in_text(question, years):
    assert years_in_text(question) == years


@pytest.mark.parametrize(
    ("question", "today", "years"),
    [
        ("今年はどがんとが選ばれとると？", date(2026, 11, 30), [2026]),
        ("今年度の事業は？", date(2027, 1, 5), [2026]),  # January is still the fiscal year begun in April
        ("来年度から始まる事業", date(2026, 4, 1), [2027]),
        ("再来年度に何がある？", date(2026, 5, 1), [2028]),  # not also read as 来年度
        ("昨年度の実績は？", date(2026, 5, 1), [2025]),
        ("What is planned for this year?", date(2026, 11, 30), [2026]),
        ("next fiscal year", date(2026, 11, 30), [2027]),
        ("去年NPOば立ち上げたばっかりやけど支援ある？", date(2026, 11, 30), []),  # the asker's story, no particle
        ("去年、NPOを立ち上げた", date(2026, 11, 30), []),
        ("去年の実績は？", date(2026, 11, 30), [2025]),
        ("来年度、何が始まる？", date(2026, 11, 30), [2027]),  # 年度 forms count wherever they stand
        ("今年やる事業", date(2026, 11, 30), [2026]),
        ("今年度と来年度の予定", date(2026, 11, 30), [2026, 2027]),
    ],
)
def test_relative_years_in_text(question, today, years):
    assert relative_years_in_text(question, today) == years


def test_fiscal_year_of():
    assert fiscal_year_of(date(2026, 3, 31)) == 2025
    assert fiscal_year_of(date(2026, 4, 1)) == 2026
