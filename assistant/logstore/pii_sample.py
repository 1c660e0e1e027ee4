"""Scoring a personal-data detector on the labelled sample (``tests/data/pii_sample.jsonl``).

Each line of the sample is ``{"text": ..., "pii": [{"value": ..., "kind": ...}], "part": ...}``: every
occurrence of ``value`` in ``text`` is a gold span of that kind; a line with ``"pii": []`` is a hard
negative (plan vocabulary, roles, places without a house number) that must come out unchanged. ``part`` is
``tuning`` (the strings the rules were written against) or ``holdout`` (written afterwards and scored
before any rule was changed for them, so the first holdout score says how the rules generalise).

The measures are chosen for what a privacy officer asks:

* **recall** of a kind: the share of its gold spans of which *no character* is left unmasked (a span masked
  under another label still counts: the value is gone either way; a span masked only in part does not);
* **precision** of a kind: the share of the detector's spans with that label that overlap some gold span
  (a span on a hard negative, or next to the real value, is a false positive).

Only the standard library is used, so a detector living in another virtual environment (presidio with
GiNZA, whose Sudachi pin conflicts with the project's) can be scored on the same sample.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("phone", "email", "card", "my_number", "postal", "address", "name")
SAMPLE = Path(__file__).resolve().parents[2] / "tests" / "data" / "pii_sample.jsonl"
Span = tuple[int, int, str]  # start, end, kind


@dataclass(frozen=True)
class Example:
    text: str
    gold: tuple[Span, ...]
    part: str = "tuning"


@dataclass
class KindScore:
    gold: int = 0
    found: int = 0  # gold spans fully masked
    predicted: int = 0
    correct: int = 0  # predicted spans overlapping a gold span
    missed: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


def load_sample(path: Path = SAMPLE) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text, gold = row["text"], []
        for item in row["pii"]:
            if item["kind"] not in KINDS or item["value"] not in text:
                raise ValueError(f"bad sample row: {line}")
            start = text.find(item["value"])
            while start >= 0:
                gold.append((start, start + len(item["value"]), item["kind"]))
                start = text.find(item["value"], start + 1)
        examples.append(Example(text, tuple(sorted(gold)), row.get("part", "tuning")))
    return examples


def _covered(span: Span, predicted: Iterable[Span]) -> bool:
    masked = set()
    for start, end, _ in predicted:
        masked.update(range(start, end))
    return all(i in masked for i in range(span[0], span[1]))


def score(examples: Iterable[Example], detect: Callable[[str], list[Span]]) -> dict[str, KindScore]:
    """Per kind (plus ``"all"``): recall over gold spans, precision over predicted spans."""
    scores = {kind: KindScore() for kind in (*KINDS, "all")}
    for example in examples:
        predicted = detect(example.text)
        for span in example.gold:
            for key in (span[2], "all"):
                scores[key].gold += 1
                if _covered(span, predicted):
                    scores[key].found += 1
                elif key != "all":
                    scores[key].missed.append(f"{example.text[span[0] : span[1]]!r} in {example.text!r}")
        for start, end, kind in predicted:
            if kind not in KINDS:
                raise ValueError(f"detector label {kind!r} is not one of {KINDS}")
            hit = any(start < g_end and g_start < end for g_start, g_end, _ in example.gold)
            for key in (kind, "all"):
                scores[key].predicted += 1
                scores[key].correct += hit
            if not hit:
                scores[kind].false_positives.append(f"{example.text[start:end]!r} in {example.text!r}")
    return scores


def table(scores: dict[str, KindScore]) -> str:
    lines = [f"{'kind':<10} {'gold':>5} {'recall':>7} {'pred':>5} {'precision':>9}"]
    for kind, s in scores.items():
        lines.append(f"{kind:<10} {s.gold:>5} {s.recall:>7.3f} {s.predicted:>5} {s.precision:>9.3f}")
    return "\n".join(lines)
