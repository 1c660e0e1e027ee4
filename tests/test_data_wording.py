"""The query thesaurus and the everyday vocabulary are written from the plan and general knowledge, never
from an evaluation question (aspect cues, phrases of the question frame by nature, have their own rule in
tests/answer/test_coverage_data.py).

If the thesaurus or the everyday vocabulary copied a question's wording, the held-out
numbers would flatter the assistant. The rule: no entry may share a run of 6 or more characters with any
evaluation question, where the run crosses a word boundary of the entry (Sudachi, mode C) and is not plan
text. A single word is vocabulary, not wording (「ホームページ」「マイナンバーカード」 are what everyone types),
and plan text is what the data is written from. English entries are compared by words: a 6-character run
is part of one English word, so they may not share a run of three words with a question.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from assistant.index.tokenizer import SudachiTokenizer
from assistant.retrieval.synonyms import SYNONYMS_PATH

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "data" / "eval"
RUN = 6
ENGLISH_RUN = 3
_WORD = re.compile(r"[a-z0-9'-]+")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@cache
def questions() -> tuple[str, ...]:
    found = [
        _norm(json.loads(line)["question"])
        for path in sorted(EVAL.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(found) > 900
    return tuple(found)


@cache
def plan_text() -> str:
    return "\n".join(_norm(p.read_text(encoding="utf-8")) for p in (ROOT / "corpus").glob("*.txt"))


@cache
def english_runs() -> frozenset[tuple[str, ...]]:
    runs = set()
    for q in questions():
        words = _WORD.findall(q)
        runs.update(tuple(words[i : i + ENGLISH_RUN]) for i in range(len(words) - ENGLISH_RUN + 1))
    return frozenset(runs)


def shared_wording(entry: str, split) -> list[str]:
    """Runs of ``entry`` that repeat an evaluation question's wording (see the module docstring)."""
    text = _norm(entry)
    if text.isascii():
        words = _WORD.findall(text)
        grams = (tuple(words[i : i + ENGLISH_RUN]) for i in range(len(words) - ENGLISH_RUN + 1))
        return [" ".join(g) for g in grams if g in english_runs()]
    ends, position = set(), 0
    for surface in split(text):
        position += len(surface)
        ends.add(position)
    found = []
    for i in range(len(text) - RUN + 1):
        run = text[i : i + RUN]
        if any(i < end < i + RUN for end in ends) and run not in plan_text() and any(run in q for q in questions()):
            found.append(run)
    return found


def thesaurus_entries() -> list[str]:
    data = json.loads(SYNONYMS_PATH.read_text(encoding="utf-8"))
    return [w for key, words in data.items() if not key.startswith("_") for w in (key, *words)]


def everyday_entries() -> list[str]:
    rows = json.loads((ROOT / "corpus" / "everyday.json").read_text(encoding="utf-8"))["rows"]
    return [w for row in rows for w in row["words"]]


@pytest.fixture(scope="module")
def split():
    tokenizer = SudachiTokenizer("core", "C")
    return lambda text: [m.surface() for m in tokenizer.raw_morphemes(text)]


@pytest.mark.parametrize("entries", [thesaurus_entries, everyday_entries])
def test_no_data_entry_repeats_question_wording(entries, split):
    copied = {entry: runs for entry in entries() if (runs := shared_wording(entry, split))}
    assert copied == {}


def test_the_check_catches_a_copied_phrase(split):
    # a phrase lifted from a question is caught; the same words as one compound or plan text are not
    question = questions()[0]
    assert shared_wording(question, split)
    assert not shared_wording("ホームページ", split)
