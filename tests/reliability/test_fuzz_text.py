"""Arbitrary Unicode through the plan parser, the Sudachi tokenizer and the API's text cleaning.

The parser's contract (assistant/corpus/parser.py): every line is placed or reported as a ParseIssue with
its line number; strict mode raises CorpusError at the first issue; nothing else is ever raised, and every
summary line is a verbatim substring of the text. The tokenizer's: any text (the real dictionary, emoji,
controls, combining marks, text far longer than Sudachi's 49,149-byte input limit) gives a list of
non-empty strings. Cheap, so the example counts are generous.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.corpus.parser import parse_text
from assistant.corpus.plan import Plan
from assistant.errors import CorpusError
from tests.conftest import CHAPTER_H

REAL_LINES = CHAPTER_H.read_text(encoding="utf-8").split("\n")
# Every character except lone surrogates, which UTF-8 files (the only way text reaches the parser) cannot hold.
ANY_CHAR = st.characters(exclude_categories=("Cs",))
ANY_TEXT = st.text(ANY_CHAR, max_size=40)
NOISE = st.sampled_from(["\t", " ", "\u3000", "【", "】", "<br>", "<p>", "○", "・", "※", "－", "ー", "\r", "\x00"])
NUMBER = st.one_of(st.integers(0, 99).map(str), st.sampled_from(["１", "٣", "0" * 30, "9" * 25, ""]))
WAREKI = st.builds(
    lambda era, n, end: f"{era}{n}年度{end}",
    st.sampled_from(["令和", "平成", "昭和", "R", "令和元", ""]),
    NUMBER,
    st.sampled_from(["", "以降：", "～令和12年度：", "〜", "～"]),
)


def _heading(kind: str, letter: str, n: str, m: str, title: str, sep: str) -> str:
    if kind == "個別施策":
        return f"{kind}{sep}{letter}{sep}{n}{sep}-{sep}{m}\t{title}"
    if kind == "取組方針":
        return f"{kind}{sep}{n}\t{title}"
    return f"{kind}{sep}{letter}{sep}{n}\t{title}"


HEADING = st.builds(
    _heading,
    st.sampled_from(["基本施策", "個別施策", "取組方針"]),
    st.sampled_from(["H", "Ｈ", "G", "Z", "h"]),
    NUMBER,
    NUMBER,
    ANY_TEXT,
    st.sampled_from(["", " ", "\t", "\u3000"]),
)
ROW = st.builds(
    lambda name, dept, summary, cells: f"{name} 【{dept}】\t{summary}" + "".join("\t" + c for c in cells),
    ANY_TEXT,
    st.one_of(ANY_TEXT, st.sampled_from(["DX推進課", "広報広聴課・DX推進課", "各課"])),
    st.lists(st.one_of(ANY_TEXT, WAREKI, NOISE), max_size=6).map(" ".join),
    st.lists(st.one_of(st.sampled_from(["←→", "→", "検討中", "新市役所創造", "経済再生", ""]), ANY_TEXT), max_size=3),
)


@st.composite
def mangled_real_line(draw) -> str:
    """A real plan line with arbitrary text spliced in somewhere."""
    line = draw(st.sampled_from(REAL_LINES))
    at = draw(st.integers(0, len(line)))
    return line[:at] + draw(st.one_of(ANY_TEXT, NOISE, WAREKI)) + line[at:]


LINE = st.one_of(
    st.sampled_from(REAL_LINES),
    mangled_real_line(),
    HEADING,
    ROW,
    ANY_TEXT,
    st.sampled_from(
        ["主要事業名 【所管課】\t事業概要\t事業年度\t重点プロジェクト", "2025年度にめざす姿\t対象\t意図", "----"]
    ),
)
NAME_CHAR = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="【】\t")
SUMMARY = st.lists(st.one_of(ANY_TEXT, WAREKI, NOISE, st.just("○"), st.just("・")), max_size=8).map(" ".join)
VALID_ROW = st.builds(
    lambda name, dept, summary, mark, tag: f"{name} 【{dept}】\t{summary}\t{mark}\t{tag}",
    st.text(NAME_CHAR, min_size=1, max_size=20),
    st.sampled_from(["DX推進課", "広報広聴課・DX推進課", "市民協働推進室（各課）", "財政課、収納課"]),
    SUMMARY,
    st.sampled_from(["", "←→", "→", "検討中"]),
    st.sampled_from(["", "新市役所創造", "経済再生", "少子化対策"]),
)


@st.composite
def plan_document(draw) -> str:
    """A well-formed chapter skeleton (so the parser goes deep) with arbitrary lines spliced in."""
    letter = draw(st.sampled_from(["H", "Ｈ", "G"]))
    title = st.text(NAME_CHAR, max_size=15)
    lines = []
    for b in range(1, draw(st.integers(1, 2)) + 1):
        lines.append(f"基本施策\t{letter}{b}\t{draw(title)}")
        if draw(st.booleans()):
            lines += ["2025年度にめざす姿\t対象\t意図", f"\t{draw(ANY_TEXT)}\t{draw(ANY_TEXT)}"]
        for p in range(1, draw(st.integers(1, 2)) + 1):
            lines.append(f"個別施策 {letter}{b}-{p}\t{draw(title)}")
            for a in range(1, draw(st.integers(1, 2)) + 1):
                lines += [f"取組方針 {a}\t{draw(title)}", "主要事業名 【所管課】\t事業概要\t事業年度\t重点プロジェクト"]
                lines += draw(st.lists(VALID_ROW, min_size=1, max_size=3))
    for position, line in draw(st.lists(st.tuples(st.integers(0, 10**6), LINE), max_size=6)):
        lines.insert(position % (len(lines) + 1), line)
    return "\n".join(lines)


DOCUMENT = st.one_of(plan_document(), st.lists(LINE, max_size=60).map("\n".join))


def _check_result(result, text: str) -> None:
    n_lines = len(text.split("\n"))
    for issue in result.issues:
        assert issue.file == "f.txt" and 1 <= issue.line <= n_lines
    plan = Plan(basic_policies=result.basic_policies, texts={"f.txt": text}, issues=result.issues)
    plan.stats()  # every derived view (departments, tags, years) works on whatever was parsed
    for project in plan.projects:
        assert 1 <= project.source.line_start <= n_lines
        assert project.to_dict()["id"] == project.id
        for line in project.summary_lines:
            assert plan.contains_verbatim(line), line
        for entry in project.schedule:
            # Schedule entries are cited too: the sentence holding the date, inside one summary line.
            assert any(entry.text in line for line in project.summary_lines), entry.text
            assert plan.contains_verbatim(entry.text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=DOCUMENT)
def test_parser_places_or_reports_every_line(text):
    result = parse_text(text, "f.txt")
    _check_result(result, text)
    try:
        strict = parse_text(text, "f.txt", strict=True)
    except CorpusError as exc:
        assert result.issues, "strict mode may only fail where lenient mode reports an issue"
        assert str(exc).startswith(f"f.txt:{result.issues[0].line}")
    else:
        assert not result.issues and len(strict.basic_policies) == len(result.basic_policies)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(ANY_CHAR, max_size=2000))
def test_parser_survives_unstructured_text(text):
    _check_result(parse_text(text, "f.txt"), text)


@pytest.fixture(scope="module")
def tokenizer():
    from assistant.index.tokenizer import SudachiTokenizer

    return SudachiTokenizer("core", "AC")  # the real dictionary and the index's split modes


def _assert_tokens(tokens) -> None:
    assert isinstance(tokens, list)
    assert all(isinstance(t, str) and t.strip() for t in tokens)


EMOJI_AND_FRIENDS = st.sampled_from(
    [
        "😀",
        "👨‍👩‍👧‍👦",
        "🇯🇵",
        "\u200d",
        "\ufe0f",
        "\u0301",
        "\x00",
        "\x1b",
        "\x7f",
        "\u202e",
        "\ufeff",
        "\U0010ffff",
        "𠮷",
        "ｶﾞ",
        "㍻",
        "①",
        "\t",
        "\n",
        "\r",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    text=st.one_of(
        st.text(ANY_CHAR, max_size=300),
        st.lists(st.one_of(EMOJI_AND_FRIENDS, ANY_TEXT, st.sampled_from(REAL_LINES))).map("".join),
    )
)
def test_tokenizer_takes_any_text(tokenizer, text):
    _assert_tokens(tokenizer(text))


@pytest.mark.parametrize(
    "text",
    [
        "あ" * 20_000,  # 60,000 bytes: over Sudachi's limit in one piece
        "市役所の窓口をデジタル化する。" * 4_000,
        "x" * 100_000,
        "😀" * 15_000,
        "\n".join(REAL_LINES) * 3,
    ],
    ids=["kana-60kB", "sentences", "ascii-100k", "emoji-60kB", "plan-x3"],
)
def test_tokenizer_takes_very_long_text(tokenizer, text):
    tokens = tokenizer(text)
    _assert_tokens(tokens)
    if "。" in text:
        assert "窓口" in tokens  # cut at sentence ends, so words survive the split


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))  # surrogates included: JSON strings can carry them
def test_api_text_cleaning_is_idempotent_and_utf8_safe(text):
    from assistant.api.routes.api import clean_text

    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # no lone surrogate survives
    assert clean_text(cleaned) == cleaned
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in cleaned)
