"""The evaluation question sets (dev and held-out) follow their schema and agree with the parsed plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"
KINDS = {"lookup", "who", "when", "list", "policy", "followup", "out_of_scope"}


@pytest.fixture(
    scope="module",
    params=[
        ("dev_tuning.jsonl", 90),
        ("dev_check.jsonl", 45),
        ("holdout.jsonl", 40),
        ("holdout2.jsonl", 80),
        ("holdout3.jsonl", 100),
        ("holdout4.jsonl", 100),
        ("oos_tuning.jsonl", 150),
        ("oos_check.jsonl", 150),
    ],
    ids=["dev_tuning", "dev_check", "holdout", "holdout2", "holdout3", "holdout4", "oos_tuning", "oos_check"],
)
def items(request):
    name, at_least = request.param
    found = [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(found) >= at_least
    return found


def test_schema(items):
    seen: set[str] = set()
    for item in items:
        assert {"id", "persona", "lang", "question", "kind", "gold", "must_mention"} <= set(item)
        assert item["persona"] in {"citizen", "callcenter", "staff"}
        assert item["lang"] in {"ja", "en"}
        assert item["kind"] in KINDS
        assert item["id"] not in seen
        if item["kind"] == "followup":
            assert item["after"] in seen
        if item["kind"] == "out_of_scope":
            assert item["gold"] == [] and item["must_mention"] == []
        assert item.get("oos_kind", "service") in {"service", "near_miss", "nothing"}
        assert "oos_kind" not in item or item["kind"] == "out_of_scope"
        seen.add(item["id"])


def test_gold_matches_the_plan(items, plan):
    names = {p.name for p in plan.projects}
    keys = {p.approach_key for p in plan.projects}
    for item in items:
        if item["kind"] == "policy":
            assert all(plan.node(code) is not None for code in item["gold"]), item["id"]
        else:
            assert set(item["gold"]) <= names, item["id"]
        assert all(key in keys for key in item.get("gold_policy", [])), item["id"]
        for text in item["must_mention"]:
            assert plan.contains_verbatim(text), (item["id"], text)


def _read(name: str) -> list[dict]:
    return [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_out_of_scope_bank_is_split_into_disjoint_tuning_and_check_parts():
    tuning, check = _read("oos_tuning.jsonl"), _read("oos_check.jsonl")
    assert len(tuning) + len(check) >= 300
    assert not {i["id"] for i in tuning} & {i["id"] for i in check}
    assert not {i["question"] for i in tuning} & {i["question"] for i in check}
    for part in (tuning, check):
        kinds = {i["oos_kind"] for i in part}
        assert kinds == {"service", "near_miss", "nothing"}  # every kind on both sides
        assert {i["lang"] for i in part} == {"ja", "en"}
        assert all(i["kind"] == "out_of_scope" for i in part)


def test_ids_are_unique_across_every_file():
    ids = [i["id"] for path in sorted(EVAL.glob("*.jsonl")) for i in _read(path.name)]
    assert len(ids) == len(set(ids))
