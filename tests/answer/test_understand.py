"""Question understanding rules (rules.json) on the real plan and the real Sudachi dictionary."""

from __future__ import annotations

import pytest

from assistant.answer.understand import QuestionReader
from assistant.index.tokenizer import SudachiTokenizer


@pytest.fixture(scope="module")
def reader(plan):
    return QuestionReader(plan, SudachiTokenizer("core", "AC"))


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("コールセンター運営の担当は？", "who"),
        ("審議会を運営している所属はどこですか。", "who"),
        ("市役所の窓口でスマホ決済できるのはいつ頃？", "when"),  # いつ outranks the noun 窓口
        ("滞納整理を最初から最後まで受け持つやり方を改める事業は？", "lookup"),  # まで alone is no question of time
        ("What is the goal of the policy about listening to residents?", "policy"),  # not 'list' in 'listening'
        ("List the projects of DX推進課", "list"),
        ("What period will the next strategy cover?", "when"),
        ("Who handles the call center?", "who"),
        ("DX推進課の事業を全部", "list"),
        ("令和8年度の事業は何件？", "count"),
    ],
)
def test_intent(reader, message, intent):
    assert reader.read(message).intent == intent


def test_policy_level_and_facets(reader):
    q = reader.read("住民が自発的にまちづくりへ参加することに関する個別施策の目標を教えてください。")
    assert q.intent == "policy" and q.policy_level == "policy"
    assert reader.read("H2の基本施策のめざす姿は？").policy_level == "basic"
    q = reader.read("H3-1の事業のうち、重点プロジェクト「新市役所創造」に位置付けられているものはどれですか。")
    assert (q.policy, q.tag) == ("H3-1", "新市役所創造")
    assert not q.content_tokens  # 事業・位置付ける・もの・どれ are question frame, not topic


def test_complete_words_mark_a_request_for_every_item(reader):
    assert reader.read("特別滞納整理室が関わっている事業をすべて教えてください。").complete
    assert not reader.read("令和8年度に稼働予定の個人住民税関係のシステム対応を挙げてください。").complete


def test_followup_words(reader):
    assert reader.read("そこはどこの課がやりよると？").followup
    assert reader.read("その中で、弁護士に任せているものはどれですか。").followup
    assert not reader.read("空き家バンクに登録したい").followup
    assert not reader.read("うちの地区の議員さんの発言を調べたい").followup  # うち = my, not 「そのうち」
