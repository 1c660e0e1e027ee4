"""The coverage decision's data files are general vocabulary, not evaluation wording.

Aspect cues, chatter words and out-of-scope service descriptions are written from general knowledge. If
one of them copied an evaluation question, the held-out numbers would flatter the assistant; so no entry of
ten characters (English: three words) or more may occur in any question (shorter ones are everyday
phrases: 「how much」, 「どのくらいかかる」), and no service description may share a run of ten with one.
Chatter words are left out: a greeting is a whole message by nature (「ありがとうございました」).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from assistant.answer.coverage import ASPECTS_PATH
from assistant.index.contrast import contrast_texts

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"
LONG_ENTRY = 10
SHARED_RUN = 10


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def questions() -> list[str]:
    found = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(_norm(json.loads(line)["question"]))
    assert len(found) > 700
    return found


def entries() -> list[str]:
    aspects = json.loads(ASPECTS_PATH.read_text(encoding="utf-8"))["aspects"]
    return [cue for a in aspects.values() for cue in a["cues"]]


def is_long(entry: str) -> bool:
    return len(entry.split()) >= 3 if entry.isascii() else len(entry) >= LONG_ENTRY


def test_no_long_entry_is_copied_from_a_question():
    asked = questions()
    copied = [e for e in entries() if is_long(e) and any(_norm(e) in q for q in asked)]
    assert copied == []


def test_service_descriptions_share_no_long_run_with_a_question():
    asked = questions()
    topics = contrast_texts()
    shared = [
        (topic, topic[i : i + SHARED_RUN])
        for topic in map(_norm, topics)
        for i in range(len(topic) - SHARED_RUN + 1)
        if any(topic[i : i + SHARED_RUN] in q for q in asked)
    ]
    assert shared == []


def test_every_aspect_has_labels_cues_and_evidence():
    aspects = json.loads(ASPECTS_PATH.read_text(encoding="utf-8"))["aspects"]
    for name, aspect in aspects.items():
        assert set(aspect["label"]) == {"ja", "en"}, name
        assert aspect["cues"] and aspect["evidence"], name
