"""Noise in the extracted text must not change the parse; what cannot be placed is reported, never dropped."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.corpus.loader import load_plan
from assistant.corpus.parser import parse_text
from assistant.errors import CorpusError


def _shape(result):
    """Everything the parse says, except line numbers (noise may add or remove lines)."""
    out = []
    for basic in result.basic_policies:
        out.append((basic.code, basic.title, basic.goal and (basic.goal.target, basic.goal.intent)))
        for policy in basic.policies:
            out.append((policy.code, policy.title, policy.goal and (policy.goal.target, policy.goal.intent)))
            for approach in policy.approaches:
                out.append((approach.number, approach.title))
                for p in approach.projects:
                    d = p.to_dict()
                    d.pop("source")
                    out.append(d)
    return out


def _noisy(text: str, rng: random.Random) -> str:
    """Reformat like a different extraction run: spaced codes, tabs, lost underlines, trailing cells."""
    lines = []
    for line in text.split("\n"):
        if line.strip() and set(line.strip()) <= set("-\t ") and rng.random() < 0.5:
            continue  # underline lost
        if line.startswith("個別施策 ") and rng.random() < 0.5:
            line = line.replace("H", "H ", 1).replace("-", " - ", 1)
        if line.startswith(("基本施策", "取組方針")) and rng.random() < 0.5:
            line = line.replace("\t", rng.choice(["\t\t", " \t", "\t "]), 1)
        if "\t" in line and rng.random() < 0.3:
            line += rng.choice(["\t", "\t\t", " "])
        if rng.random() < 0.1:
            lines.append(rng.choice(["", "   ", "\t"]))
        lines.append(line)
    return "\n".join(lines)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_reformatting_noise_does_not_change_the_parse(chapter_text, seed):
    clean = parse_text(chapter_text, "h.txt", strict=True)
    noisy = parse_text(_noisy(chapter_text, random.Random(seed)), "h.txt", strict=True)
    assert _shape(noisy) == _shape(clean)


def test_unplaceable_line_is_reported_with_its_number(chapter_text):
    lines = chapter_text.split("\n")
    lines.insert(60, "迷子の行\t何かの説明")  # inside H1-1's first table: a row without 【所管課】
    result = parse_text("\n".join(lines), "h.txt")
    assert len(result.issues) == 1
    assert result.issues[0].line == 61
    assert "所管課" in result.issues[0].message
    with pytest.raises(CorpusError, match=r"h.txt:61"):
        parse_text("\n".join(lines), "h.txt", strict=True)


def test_row_before_any_heading_is_reported():
    result = parse_text("主要事業名 【所管課】\t事業概要\nある事業 【某課】\t○説明", "x.txt")
    assert [i.line for i in result.issues] == [1, 2]


def test_unknown_trailing_cell_is_reported_but_row_kept(chapter_text):
    text = chapter_text.replace("市政モニター事業 【広報広聴課】", "市政モニター事業 【広報広聴課】", 1)
    row = next(line for line in text.split("\n") if line.startswith("市政モニター事業"))
    text = text.replace(row, row.rstrip("\t") + "\t\t謎の列", 1)
    result = parse_text(text, "h.txt")
    assert len(result.issues) == 1 and "謎の列" in result.issues[0].message
    assert sum(len(a.projects) for b in result.basic_policies for p in b.policies for a in p.approaches) == 88


def test_every_txt_file_is_ingested(tmp_path, chapter_text):
    (tmp_path / "h.txt").write_text(chapter_text, encoding="utf-8")
    other = (
        "基本施策\tG1\t安全なまちをつくります\n"
        "2025年度にめざす姿\t対象\t意図\n\t市民が\t安心して暮らしている。\n"
        "個別施策 G1-1\t防災を進めます\n"
        "取組方針 1\t備え\n"
        "主要事業名 【所管課】\t事業概要\t事業年度\t重点プロジェクト\n"
        "防災訓練事業 【防災危機管理室】\t○訓練を行う。 ・令和8年度：総合訓練\t\t\n"
    )
    (tmp_path / "g.txt").write_text(other, encoding="utf-8")
    (tmp_path / "README.md").write_text("not a plan", encoding="utf-8")
    plan = load_plan(tmp_path, strict=True)
    assert [b.code for b in plan.basic_policies] == ["G1", "H1", "H2", "H3"]
    assert plan.project("G1-1/1/1").schedule[0].start_fy == 2026
    assert len(plan.projects) == 89


def test_malformed_files_fail_clearly(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_plan(tmp_path)
    (tmp_path / "bad.txt").write_text("ただの文章です。", encoding="utf-8")
    with pytest.raises(CorpusError, match="no 基本施策"):
        load_plan(tmp_path)
