"""Recall and precision of the masking rules on the labelled sample (tests/data/pii_sample.jsonl).

Recall must be 1.0 on every kind: a miss is a citizen's personal data kept for months. Precision has a floor
instead of a target: a false positive costs the 広聴 reader one word of a logged question (「担当者様」 read as
［氏名］様), never anyone's privacy, so the rules lean towards masking. The floor, 0.95 overall and 0.9 per
kind, is what the sample measures today minus one false positive per kind of margin (docs/privacy.md):
a change that starts masking plan vocabulary or ordinary questions fails it.
"""

from __future__ import annotations

from assistant.logstore.pii import ADDRESS, CARD, EMAIL, MY_NUMBER, NAME, PHONE, POSTAL_CODE, find_pii
from assistant.logstore.pii_sample import KINDS, load_sample, score, table

KIND_OF = {PHONE: "phone", EMAIL: "email", CARD: "card", MY_NUMBER: "my_number", POSTAL_CODE: "postal",
           ADDRESS: "address", NAME: "name"}  # fmt: skip


def rules(text):
    return [(start, end, KIND_OF[label]) for start, end, label in find_pii(text)]


def test_the_sample_is_big_enough_and_covers_every_kind():
    examples = load_sample()
    assert len(examples) >= 100
    assert sum(1 for e in examples if not e.gold) >= 40  # hard negatives
    kinds = {span[2] for e in examples for span in e.gold}
    assert kinds == set(KINDS)


def test_recall_is_one_on_every_kind_and_precision_is_above_the_floor():
    scores = score(load_sample(), rules)
    print("\n" + table(scores))  # shown with pytest -s; scripts/pii_report.py prints the misses too
    for kind in KINDS:
        assert scores[kind].recall == 1.0, (kind, scores[kind].missed)
        assert scores[kind].precision >= 0.9, (kind, scores[kind].false_positives)
    assert scores["all"].precision >= 0.95


def test_hard_negatives_come_out_unchanged():
    changed = [e.text for e in load_sample() if not e.gold and find_pii(e.text)]
    assert changed == []
