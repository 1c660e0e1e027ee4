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
    assert (q.policy, q.tags) == ("H3-1", ("新市役所創造",))
    assert not q.content_tokens  # 事業・位置付ける・もの・どれ are question frame, not topic


def test_complete_words_mark_a_request_for_every_item(reader):
    assert reader.read("特別滞納整理室が関わっている事業をすべて教えてください。").complete
    assert not reader.read("令和8年度に稼働予定の個人住民税関係のシステム対応を挙げてください。").complete


def test_followup_words(reader):
    assert reader.read("そこはどこの課がやりよると？").followup
    assert reader.read("その中で、弁護士に任せているものはどれですか。").followup
    assert not reader.read("空き家バンクに登録したい").followup
    assert not reader.read("うちの地区の議員さんの発言を調べたい").followup  # うち = my, not 「そのうち」


def test_every_named_tag_is_kept_and_membership_words_are_frame(reader):
    q = reader.read("経済再生とか少子化対策のプロジェクトに入っとる事業ってこの章にある？")
    assert q.tags == ("経済再生", "少子化対策")
    assert not q.content_tokens  # 入る・この・章 ask for membership; the set is the two tags


def test_a_department_stem_is_a_common_noun_in_a_question_asking_which_department(reader):
    q = reader.read("市民税ば払いそびれとったら催促の来たっちゃけど、これってどこの課がしよると？")
    assert q.intent == "who" and q.departments == ()
    assert reader.read("市民税の事業は？").departments == ("市民税課",)  # a facet elsewhere
    assert reader.read("市民税課が担当している事業はどれ？").departments == ("市民税課",)  # the full name always


def test_relative_years_are_read_against_the_day_asked(plan):
    from datetime import date

    reader = QuestionReader(plan, SudachiTokenizer("core", "AC"), today=lambda: date(2027, 2, 1))
    assert reader.read("今年度の事業は？").years == (2026,)
    assert reader.read("来年度から始まる事業").years == (2027,)
    assert reader.read("令和9年度と来年度の予定").years == (2027,)  # named first, no duplicate


def test_approach_level(reader):
    q = reader.read("公共施設の再配置を扱う取組方針には、どんな事業が入っていますか。")
    assert q.intent == "list" and q.policy_level == "approach"


def test_policy_codes_and_english_frame_words_leave_no_topic_words(reader):
    assert reader.read("List all projects of H3-1").content_tokens == ()
    assert reader.read("H3-1の事業").content_tokens == ()  # no stray 「h」 from the code
    assert reader.read("Projects of DX推進課").content_tokens == ()


def test_what_a_year_question_brings_of_its_own(reader):
    q = reader.read("令和8年度のスマホ教室は？")
    assert q.years == (2026,) and q.topic_nouns and not q.refers_back
    q = reader.read("令和8年度の事業は？")
    assert q.set_words and not q.topic_nouns
    q = reader.read("今年はどがんとが選ばれとると？")  # どがん = どんな: no noun of its own (がん is not one here)
    assert not q.topic_nouns and not q.set_words
    assert reader.read("その中で令和8年度のものは？").refers_back
    assert not reader.read("Which projects are planned for this fiscal year?").refers_back  # 'this year' is a year
