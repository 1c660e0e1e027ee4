"""Evaluation without a model: metric functions, gold matching, dataset validation, report shape.

A fake searcher and a fake answerer stand in for the real stack, so the report contract and the
conversation order of follow-ups are checked in milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.evaluation.answers import Conversation, evaluate_answers
from assistant.evaluation.dataset import DatasetError, DatasetWarning, EvalItem, load_dataset, parse_items
from assistant.evaluation.metrics import (
    GoldError,
    GoldTarget,
    best_threshold_below,
    contains_all,
    first_gold_rank,
    list_recall,
    mean,
    names_in_text,
    percentile,
    precision_recall_f1,
    recall_at_k,
    reciprocal_rank,
    resolve_gold,
)
from assistant.evaluation.report import format_report, table
from assistant.evaluation.runner import evaluate, resolve_targets, retrieval_query, worst_items

DEV = Path(__file__).resolve().parents[1] / "data" / "eval" / "dev_tuning.jsonl"


@dataclass
class Row:
    id: str
    name: str
    approach_key: str
    departments: tuple[str, ...] = ()
    schedule: tuple = ()


ROWS = [
    Row("H2-1/1/1", "地域コミュニティ推進事業", "H2-1/1"),
    Row("H2-1/2/2", "地域コミュニティ推進事業", "H2-1/2"),
    Row("H2-2/1/2", "地域コミュニティ推進事業", "H2-2/1"),
    Row("H2-2/1/4", "提案型協働事業", "H2-2/1"),
    Row("H1-1/1/6", "コールセンター運営", "H1-1/1"),
]


def T(label: str, *ids: str) -> GoldTarget:
    return GoldTarget(label, frozenset(ids))


# --- gold matching -------------------------------------------------------------------------------


def test_unique_name_matches_its_row():
    assert resolve_gold(["提案型協働事業"], ROWS) == [T("提案型協働事業", "H2-2/1/4")]


def test_duplicated_name_without_gold_policy_matches_every_row():
    (target,) = resolve_gold(["地域コミュニティ推進事業"], ROWS)
    assert target.ids == {"H2-1/1/1", "H2-1/2/2", "H2-2/1/2"}


def test_gold_policy_narrows_duplicated_names_only():
    targets = resolve_gold(["地域コミュニティ推進事業", "コールセンター運営"], ROWS, gold_policy=["H2-1/2", "H2-2/1"])
    # The unique name keeps its row although H1-1/1 is not in gold_policy.
    assert targets == [T("地域コミュニティ推進事業", "H2-1/2/2", "H2-2/1/2"), T("コールセンター運営", "H1-1/1/6")]


def test_duplicated_name_outside_gold_policy_is_an_error():
    with pytest.raises(GoldError, match="no row under gold_policy"):
        resolve_gold(["地域コミュニティ推進事業"], ROWS, gold_policy=["H3-1/1"])


def test_unknown_name_is_an_error():
    with pytest.raises(GoldError, match="no project named"):
        resolve_gold(["存在しない事業"], ROWS)


def test_policy_gold_is_the_node_code():
    assert resolve_gold(["H2-1", "H3"], ROWS, kind="policy", node_codes=["H2-1", "H3"]) == [
        T("H2-1", "H2-1"),
        T("H3", "H3"),
    ]
    with pytest.raises(GoldError, match="H9"):
        resolve_gold(["H9"], ROWS, kind="policy", node_codes=["H2-1"])


def test_real_plan_duplicate_rows(plan):
    (target,) = resolve_gold(["まちづくり活動推進事業"], plan.projects, gold_policy=["H2-1/2"])
    assert target.ids == {"H2-1/2/3"}
    (target,) = resolve_gold(["市民協働推進事業"], plan.projects, gold_policy=["H2-2/1"])
    assert target.ids == {"H2-2/1/3"}


def test_every_dev_item_resolves_against_the_plan(plan):
    items = load_dataset(DEV)
    targets = resolve_targets(plan, items)
    assert set(targets) == {item.id for item in items}
    assert all(targets[i.id] for i in items if i.in_scope)


# --- ranking metrics -----------------------------------------------------------------------------


def test_rank_metrics():
    gold = [T("a", "x", "y")]  # a duplicated name: either row is a hit
    ranked = ["p", "q", "y", "x"]
    assert first_gold_rank(ranked, gold) == 3
    assert recall_at_k(ranked, gold, 1) == 0.0
    assert recall_at_k(ranked, gold, 3) == 1.0
    assert reciprocal_rank(ranked, gold, 10) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranked, gold, 2) == 0.0
    assert first_gold_rank(ranked, []) is None


def test_any_gold_counts_for_recall():
    gold = [T("a", "a1"), T("b", "b1")]
    assert recall_at_k(["z", "b1"], gold, 2) == 1.0
    assert reciprocal_rank(["z", "b1", "a1"], gold) == 0.5


def test_list_recall_counts_each_gold_name_once():
    gold = [T("a", "a1", "a2"), T("b", "b1"), T("c", "c1"), T("d", "d1")]
    assert list_recall(["a1", "a2", "b1", "x"], gold, 10) == 0.5
    assert list_recall(["x", "a1", "b1"], gold, 2) == 0.25
    assert list_recall(["a1"], [], 10) == 0.0


def test_mean_percentile_and_prf():
    assert mean([1.0, None, 3.0]) == 2.0
    assert mean([None]) is None
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 50) is None
    scores = precision_recall_f1([True, True, False, False], [True, False, True, False])
    assert scores["precision"] == scores["recall"] == scores["f1"] == 0.5
    assert precision_recall_f1([False], [False])["f1"] == 0.0


def test_best_threshold_separates_low_scores():
    best = best_threshold_below([0.9, 0.85, 0.8], [0.7, 0.75])
    assert best["threshold"] == 0.75 and best["f1"] == 1.0
    # Overlap: flagging 0.8 too costs one false positive but gains a true one (F1 0.857 > 0.8).
    best = best_threshold_below([0.9, 0.85, 0.8], [0.7, 0.75, 0.82])
    assert best["threshold"] == 0.82 and (best["tp"], best["fp"]) == (3, 1)
    assert best_threshold_below([], [0.5]) is None


def test_text_checks():
    assert contains_all("所管は情報統計課です", ["情報統計課"])
    assert not contains_all("所管は情報統計課です", ["情報統計課", "DX推進課"])
    assert names_in_text("情報統計課とDX推進課", ["統計課", "情報統計課", "DX推進課"]) == {"情報統計課", "DX推進課"}
    assert names_in_text("統計課と情報統計課", ["統計課", "情報統計課"]) == {"統計課", "情報統計課"}


# --- dataset validation --------------------------------------------------------------------------


def line(**fields) -> str:
    base = {"id": "q1", "persona": "citizen", "lang": "ja", "question": "質問", "kind": "lookup"}
    base |= {"gold": ["提案型協働事業"], "must_mention": ["協働"]}
    return json.dumps(base | fields, ensure_ascii=False)


def test_valid_lines_become_items():
    items = parse_items(["", line(), line(id="q2", kind="followup", after="q1", gold_policy=["H2-2/1"])])
    assert [i.id for i in items] == ["q1", "q2"] and items[1].line == 3
    assert items[1].after == "q1" and items[1].gold_policy == ("H2-2/1",)
    assert items[0].in_scope


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "dev.jsonl:2: not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (line(id="q2", persona="tourist"), "persona 'tourist' is not one of"),
        (line(id="q2", kind="lookups"), "kind 'lookups'"),
        (line(), "duplicate id 'q1' (first on line 1)"),
        (line(id="q2", kind="followup"), "needs 'after'"),
        (line(id="q2", kind="followup", after="q9"), "'after' 'q9' is not the id of an earlier item"),
        (line(id="q2", after="q1"), "only followup items"),
        (line(id="q2", kind="out_of_scope"), "out_of_scope items need empty gold"),
        (line(id="q2", gold=[]), "lookup item has empty gold"),
        (line(id="q2", gold="提案型協働事業"), "'gold' must be a list"),
        (line(id="q2", gold_policy=["H2-2"]), "gold_policy must look like H2-1/1"),
        (line(id="q2", kind="policy", gold=["市民協働"]), "policy gold must be codes"),
        (line(id="q2", gold_polcy=["H2-2/1"]), "unknown field 'gold_polcy' (did you mean 'gold_policy'?)"),
        (json.dumps({"id": "q2"}), "missing field(s) persona, lang"),
    ],
)
def test_validation_errors_name_the_line(bad, message):
    with pytest.raises(DatasetError) as info:
        parse_items([line(), bad], source="dev.jsonl")
    assert message in str(info.value)
    assert str(info.value).startswith("dev.jsonl:2:")


def test_annotation_fields_warn_and_are_kept_out_of_scoring():
    annotated = line(id="q2", source="blind author", source_url="https://example.org/q", notes="checked")
    with pytest.warns(DatasetWarning, match="not in the schema, not scored: notes, source, source_url"):
        items = parse_items([line(), annotated], source="f")
    assert [i.id for i in items] == ["q1", "q2"] and items[1].gold == ("提案型協働事業",)


def test_every_problem_is_collected():
    with pytest.raises(DatasetError) as info:
        parse_items([line(persona="x"), "{", line(id="q2", lang="fr")], source="f")
    assert len(info.value.problems) == 3 and "(and 2 more problem(s))" in str(info.value)


def test_load_dataset_file_errors(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(tmp_path / "missing.jsonl")
    (tmp_path / "latin.jsonl").write_bytes(b"\xff\xfe")
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_dataset(tmp_path / "latin.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no items"):
        load_dataset(tmp_path / "empty.jsonl")


def test_dev_set_loads():
    items = load_dataset(DEV)
    assert len(items) >= 90 and len({i.id for i in items}) == len(items)


# --- runner and answers with fakes ---------------------------------------------------------------


def item(id_, kind="lookup", gold=("提案型協働事業",), after=None, lang="ja", question=None, must=("協働",)):
    gold, must = (tuple(gold), tuple(must)) if kind != "out_of_scope" else ((), ())
    return EvalItem(id_, "citizen", lang, question or f"question {id_}", kind, gold, must, (), after)


@dataclass
class FakeSearcher:
    """Returns a fixed ranking per query; records the queries it saw."""

    rankings: dict[str, list[str]]
    seen: list[str] = field(default_factory=list)
    fusion: str = "rrf"
    rrf_k: int = 60
    dense_weight: float = 0.5

    def search(self, query, k=10, mode="hybrid", filters=None):
        self.seen.append(query)
        hits = [SimpleNamespace(id=d, name=d) for d in self.rankings.get(query, [])[:k]]
        return SimpleNamespace(hits=hits, took_ms=float(len(self.seen)))

    def dense_query(self, query):
        return query

    def embed_query(self, query):
        return query

    def dense_doc_scores(self, vector, subset):
        return {"x": 0.9 if vector in self.rankings else 0.7}


def fake_runtime(rankings):
    plan = SimpleNamespace(projects=ROWS, basic_policies=[SimpleNamespace(code="H2")], policies=[])
    return SimpleNamespace(plan=plan, searcher=FakeSearcher(rankings))


def test_evaluate_report_contract():
    items = [
        item("q1", question="A"),
        item("q2", kind="followup", after="q1", question="B", lang="en"),
        item("q3", kind="list", gold=("提案型協働事業", "コールセンター運営"), question="C"),
        item("q4", kind="out_of_scope", question="D"),
    ]
    runtime = fake_runtime({"A": ["H1-1/1/6", "H2-2/1/4"], "A B": ["H2-2/1/4"], "C": ["H2-2/1/4"]})
    report = evaluate(runtime, items, "hybrid", warmup=False)
    assert runtime.searcher.seen[1] == "A B"  # follow-up searched with its predecessor as context
    assert report["n"] == 4 and report["n_in_scope"] == 3
    assert report["retrieval"] == {
        "recall@1": pytest.approx(2 / 3),
        "recall@5": 1.0,
        "mrr@10": pytest.approx((0.5 + 1 + 1) / 3),
        "list_recall@10": 0.5,
    }
    assert report["by_kind"]["followup"]["recall@1"] == 1.0
    assert report["by_kind"]["out_of_scope"]["n"] == 1 and report["by_kind"]["out_of_scope"]["mrr@10"] is None
    assert report["by_lang"]["en"]["n_scored"] == 1
    assert set(report["timing"]) >= {"p50_ms", "p95_ms"}
    assert report["out_of_scope"]["top_dense"]["max"] == 0.7
    assert worst_items(report["items"], 1)[0]["id"] == "q1"
    assert "kind=list" in format_report(report)
    json.dumps(report)  # JSON-ready


def test_retrieval_query_prefixes_the_previous_question():
    first, second = item("q1", question="前"), item("q2", kind="followup", after="q1", question="後")
    assert retrieval_query(second, {"q1": first, "q2": second}) == "前 後"
    assert retrieval_query(first, {"q1": first}) == "前"


class FakeAnswerer:
    """Echoes scripted replies and logs (message, session passed in, session returned)."""

    def __init__(self, replies):
        self.replies, self.log, self.next_session = replies, [], 0

    def answer(self, message, session_id):
        if session_id is None:
            self.next_session += 1
            session_id = f"s{self.next_session}"
        self.log.append((message, session_id))
        text, answer_type, citations = self.replies.get(message, ("", "answer", []))[:3]
        return SimpleNamespace(session_id=session_id, answer=text, answer_type=answer_type, citations=citations)


def test_followups_are_asked_right_after_their_item():
    items = [item("q1", question="A"), item("q2", question="X")]
    items += [
        item("q3", kind="followup", after="q1", question="B"),
        item("q4", kind="followup", after="q1", question="C"),
    ]
    answerer = FakeAnswerer({})
    conversation = Conversation(answerer, items)
    for it in items:
        conversation.ask(it)
    # q3 continues q1's session; q4 gets a fresh replay of A so it also follows A directly.
    assert answerer.log == [("A", "s1"), ("X", "s2"), ("B", "s1"), ("A", "s3"), ("C", "s3")]
    assert conversation.replayed == 1


def test_answer_metrics():
    rows = [
        Row("P1", "提案型協働事業", "H2-2/1", ("自治振興課",), (SimpleNamespace(covers=lambda y: y == 2025),)),
        Row("P2", "コールセンター運営", "H1-1/1", ("広報広聴課",)),
    ]
    plan = SimpleNamespace(projects=rows, department_counts={"自治振興課": 1, "広報広聴課": 1})
    items = [
        item("q1", kind="who", question="A", must=("自治振興課",)),
        item("q2", kind="when", question="B", must=("令和7年度",)),
        item("q3", kind="followup", after="q1", question="C"),
        item("q4", kind="out_of_scope", question="D"),
        item("q5", kind="out_of_scope", question="E"),
    ]
    replies = {
        "A": (
            "広報広聴課が担当です。",
            "answer",
            [{"id": "P1", "name": "提案型協働事業", "departments": ["自治振興課"]}],
        ),
        "B": ("令和7年度と令和9年度です。", "answer", [{"id": "P1", "excerpt": "令和7年度に実施"}]),
        "C": ("協働です。", "answer", [{"id": "P2"}, {"id": "P1"}]),
        "D": ("計画にはありません。", "not_found", []),
        "E": ("提案型協働事業です。", "answer", []),
    }
    targets = {i.id: resolve_gold(i.gold, rows) for i in items}
    answers = evaluate_answers(plan, items, targets, FakeAnswerer(replies))
    assert answers["must_mention"] == 1.0  # q1 via the citation's departments, q2 via the answer, q3 via the text
    assert answers["followup_recall@5"] == 1.0
    assert answers["wrong_department"] == 1 and answers["wrong_year"] == 1
    assert answers["out_of_scope"]["precision"] == 1.0 and answers["out_of_scope"]["recall"] == 0.5


class CoverageAnswerer(FakeAnswerer):
    """Replies carrying coverage and confidence, as the real answerer's do."""

    def answer(self, message, session_id):
        reply = super().answer(message, session_id)
        reply.coverage, reply.confidence = self.replies[message][3:5]
        return reply


def test_refusals_confusion_and_reliability_read_the_coverage_field():
    rows = [Row("P1", "提案型協働事業", "H2-2/1", ("自治振興課",))]
    plan = SimpleNamespace(projects=rows, department_counts={"自治振興課": 1})
    near = EvalItem("n1", "citizen", "ja", "N", "out_of_scope", (), (), (), None, "near_miss")
    junk = EvalItem("z1", "citizen", "ja", "Z", "out_of_scope", (), (), (), None, "nothing")
    items = [item("q1", question="A"), item("q2", question="B"), near, junk]
    cite = [{"id": "P1", "excerpt": "協働"}]
    replies = {
        "A": ("協働です。", "lookup", cite, "covered", "high"),
        "B": ("計画には金額の記載はありません。", "not_found", cite, "partly", "none"),  # an in-scope refusal
        "N": ("関連する記載です。", "not_found", cite, "partly", "none"),  # refused: right
        "Z": ("協働です。", "lookup", cite, "covered", "low"),  # nonsense answered: wrong
    }
    targets = {i.id: resolve_gold(i.gold, rows) for i in items}
    answers = evaluate_answers(plan, items, targets, CoverageAnswerer(replies))
    assert answers["refused_in_scope"] == 1 and answers["n_in_scope"] == 2
    assert answers["out_of_scope"]["precision"] == 0.5 and answers["out_of_scope"]["recall"] == 0.5
    assert answers["coverage"]["in_scope"] == {"covered": 1, "partly": 1, "not_covered": 0, "nothing": 0}
    assert answers["coverage"]["near_miss"]["partly"] == 1 and answers["coverage"]["nothing"]["covered"] == 1
    assert answers["reliability"]["high"] == {"n": 1, "correct": 1.0}
    assert answers["reliability"]["low"] == {"n": 1, "correct": 0.0}
    assert answers["reliability"]["none"] == {"n": 2, "correct": 0.5}


def test_table_aligns_wide_characters():
    text = table(["name", "n"], [["事業", 1], ["ab", 10]])
    lines = text.splitlines()
    assert lines[2] == "事業   1" and lines[3] == "ab    10"
