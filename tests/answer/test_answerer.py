"""The answering service end to end on the real stack (real model, index, dictionary), without HTTP.

Each test checks a behaviour a user relies on; excerpts are always verbatim plan text.
"""

from __future__ import annotations

import pytest

from assistant.answer.service import Answerer
from tests.conftest import project_named

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def answerer(runtime):
    return Answerer(runtime.plan, runtime.searcher, runtime.settings)


def quotes(text: str) -> list[str]:
    """The outermost 「…」 quotations of a text (a quoted line may itself hold 「」)."""
    found, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "「":
            depth += 1
            start = i + 1 if depth == 1 else start
        elif ch == "」" and depth:
            depth -= 1
            if depth == 0:
                found.append(text[start:i])
    return found


def assert_grounded(plan, reply):
    """Every citation is verbatim plan text, and so is every quotation in the short answer (a cut line
    is marked with 「…」; each piece between the marks is verbatim)."""
    assert reply.citations, reply.answer
    for citation in reply.citations:
        assert plan.contains_verbatim(citation.excerpt), citation.excerpt
    for quoted in quotes(reply.answer):
        for piece in filter(None, quoted.split("…")):
            assert plan.contains_verbatim(piece), piece


def test_two_facets_give_the_complete_intersection(plan, answerer):
    reply = answerer.answer("H3-1の事業のうち、重点プロジェクト「新市役所創造」に位置付けられているものはどれですか。")
    expected = {p.id for p in plan.projects if p.policy_code == "H3-1" and "新市役所創造" in p.tags}
    assert reply.answer_type == "list"
    assert set(reply.project_ids) == expected and len(expected) > 2
    assert "新市役所創造" in reply.answer
    assert_grounded(plan, reply)


def test_year_list_narrowed_by_topic_cites_the_schedule_of_that_year(plan, answerer):
    reply = answerer.answer("令和8年度に稼働予定の個人住民税関係のシステム対応を挙げてください。")
    names = {plan.project(i).name for i in reply.project_ids}
    assert {"個人住民税の新扶養情報連携対応", "個人住民税のeLTAX5期更改対応"} <= names
    assert len(names) < len([p for p in plan.projects if p.covers_year(2026)])  # narrowed, not all 令和8年度
    for citation in reply.citations:  # each row is cited by its schedule entry covering 令和8年度
        entries = [e for e in plan.project(citation.id).schedule if e.covers(2026)]
        assert citation.excerpt in [e.text for e in entries]
    assert_grounded(plan, reply)


def test_followup_narrows_within_the_previous_list(plan, answerer):
    first = answerer.answer("特別滞納整理室が関わっている事業をすべて教えてください。")
    assert first.answer_type == "list" and len(first.project_ids) >= 3
    reply = answerer.answer("その中で、弁護士に任せているものはどれですか。", first.session_id)
    assert reply.project_ids and set(reply.project_ids) <= set(first.project_ids)
    assert plan.project(reply.project_ids[0]).name == "債権回収業務委託"
    assert_grounded(plan, reply)


def test_individual_policy_question_answers_with_a_policy_not_its_parent(plan, answerer):
    reply = answerer.answer("住民が自発的にまちづくりへ参加することに関する個別施策の目標を教えてください。")
    assert reply.answer_type == "policy"
    assert reply.citations[0].id == "H2-1"
    assert_grounded(plan, reply)


def test_lookup_cites_the_sentence_that_matches_the_meaning(plan, answerer):
    # No word of the answer sentence is in the question: the sentence is chosen by its embedding.
    reply = answerer.answer("地域の人が集まって話し合う場を作るのを手伝ってくれる？")
    assert reply.answer_type == "lookup"
    assert_grounded(plan, reply)
    project = plan.project(reply.project_ids[0])
    assert reply.citations[0].excerpt in project.summary_lines


def test_close_rows_are_offered_as_choices_not_a_confident_guess(plan, runtime):
    # With the choice ratio lowered, 「ネットで市の情報」 fits several rows closely enough (the city's website,
    # the council's streaming and its minutes): the reply says so and lets the asker pick, each row with its
    # own line, instead of committing to the first.
    settings = runtime.settings.model_copy(update={"choice_ratio": 0.5})
    answerer = Answerer(runtime.plan, runtime.searcher, settings)
    reply = answerer.answer("ネットで市の情報を見たい")
    assert reply.confidence == "low" and len(reply.project_ids) >= 2
    names = [plan.project(i).name for i in reply.project_ids]
    assert reply.choices == [f"{name}について教えて" for name in names]
    assert all(name in reply.answer for name in names) and len(reply.answer) <= 120
    assert [c.id for c in reply.citations] == reply.project_ids
    assert_grounded(plan, reply)
    # A chip names its row: the answer is about that row alone.
    picked = answerer.answer(reply.choices[1], reply.session_id)
    assert picked.project_ids == [reply.project_ids[1]] and picked.choices == []
    # With the calibrated ratio a clear question is answered directly.
    direct = Answerer(runtime.plan, runtime.searcher, runtime.settings).answer("市の地図情報ばネットで見られると？")
    assert direct.choices == [] and len(direct.project_ids) == 1


def test_who_question_names_the_department(plan, answerer):
    reply = answerer.answer("まち・ひと・しごとの総合戦略の審議会を運営している所属はどこですか。")
    project = project_named(plan, "まち・ひと・しごと創生総合戦略推進事業")
    assert reply.answer_type == "who" and reply.project_ids[0] == project.id
    assert "長崎創生推進室" in reply.answer and "都市経営室" not in reply.answer


def test_repeated_question_is_answered_from_the_cache_in_its_context(answerer):
    first = answerer.answer("コールセンター運営の担当は？")
    hits = answerer.cache.hits
    again = answerer.answer("コールセンター運営の担当は？ ")  # same text once normalised
    assert answerer.cache.hits == hits + 1
    assert again.answer == first.answer and again.message_id != first.message_id
    assert again.session_id != first.session_id  # a new conversation, not the first one's
    # The same words as a follow-up of another answer are a different question: no cache hit.
    other = answerer.answer("DX推進課の事業を一覧で")
    followup = answerer.answer("コールセンター運営の担当は？", other.session_id)
    assert answerer.cache.hits == hits + 1 and followup.answer == first.answer


def test_two_tags_give_the_union_of_their_projects(plan, answerer):
    reply = answerer.answer("経済再生と少子化対策の重点プロジェクトに入っている事業は？")
    expected = {p.id for p in plan.projects if {"経済再生", "少子化対策"} & set(p.tags)}
    assert reply.answer_type == "list" and set(reply.project_ids) == expected and len(expected) >= 2
    assert "「経済再生」「少子化対策」" in reply.answer
    assert_grounded(plan, reply)


def test_list_items_sit_under_their_place_in_the_plan(plan, answerer):
    reply = answerer.answer("DX推進課の事業を一覧で")
    lines = reply.detail.splitlines()  # the whole list is the long form; the answer names the first few
    headings = [line for line in lines if line.startswith("〔")]
    assert headings and len(headings) < len(reply.project_ids)
    # Every item follows the heading of its own 個別施策 (or 取組方針), and citations keep the items' order.
    current = None
    items = []
    for line in lines[1:]:
        if line.startswith("〔"):
            current = line
            continue
        project = plan.project(reply.citations[len(items)].id)
        assert project.name in line and project.policy_code in current
        items.append(project.id)
    assert sorted(items) == sorted(reply.project_ids)


def test_approach_question_lists_that_approach_completely(plan, answerer):
    reply = answerer.answer("市庁舎の跡地のことを扱う取組方針には、どんな事業がありますか。")
    target = project_named(plan, "市庁舎跡地再整備等事業")
    expected = [p.id for p in plan.projects if p.approach_key == target.approach_key]
    assert reply.answer_type == "list" and reply.project_ids == expected
    assert target.path.approach_title in reply.answer
    assert_grounded(plan, reply)


def test_policy_question_prefers_the_specific_individual_policy(plan, answerer):
    reply = answerer.answer("企業や大学と手を組んでまちづくりをする施策は？")
    assert reply.answer_type == "policy" and reply.citations[0].id == "H2-2"  # not its parent H2
    # The policy's rows are the context of a follow-up.
    assert reply.project_ids == [p.id for p in plan.projects if p.policy_code == "H2-2"]
    assert_grounded(plan, reply)


def test_a_question_closest_to_a_policy_goal_gets_the_goal(plan, answerer):
    reply = answerer.answer("信頼される市役所って、具体的にはどんな姿を目指しているの？")  # no policy cue word
    assert reply.answer_type == "policy" and reply.citations[0].id == "H3"
    assert plan.node("H3").goal.intent in reply.answer
    assert_grounded(plan, reply)


def test_this_year_after_an_answer_asks_about_its_row_in_that_year(plan, runtime):
    from datetime import date

    today = [date(2025, 6, 1)]
    answerer = Answerer(runtime.plan, runtime.searcher, runtime.settings, today=lambda: today[0])
    project = project_named(plan, "提案型協働事業")
    first = answerer.answer("提案型協働事業について教えて")
    assert first.project_ids == [project.id]
    reply = answerer.answer("今年は何が選ばれた？", first.session_id)
    assert reply.project_ids == [project.id] and "令和7年度（2025年度）" in reply.answer
    assert "ナガサキのサカナ魅力再発見事業" in reply.detail  # the bullets under the 「令和7年度」 heading
    assert_grounded(plan, reply)
    # A year later the plan has nothing for 「今年」: it says so, and shows the year it does have.
    today[0] = date(2026, 11, 30)
    first = answerer.answer("提案型協働事業について教えて")
    reply = answerer.answer("今年は何が選ばれた？", first.session_id)
    assert "令和8年度（2026年度）の記載はありません" in reply.answer and "令和7年度（2025年度）" in reply.detail
    assert_grounded(plan, reply)


def test_english_question_names_a_project_in_romaji(plan, answerer):
    reply = answerer.answer("Who runs Nagasaki Denshujo?")
    project = project_named(plan, "長崎伝習所事業")
    assert reply.answer_type == "who" and reply.project_ids == [project.id]
    assert all(d in reply.answer for d in project.departments)


def test_year_followup_on_a_list_keeps_the_rows_of_that_year_or_says_none(plan, answerer):
    first = answerer.answer("DX推進課の事業を一覧で")
    reply = answerer.answer("その中で令和8年度のものは？", first.session_id)
    expected = [i for i in first.project_ids if plan.project(i).covers_year(2026)]
    assert expected and set(reply.project_ids) == set(expected)
    first = answerer.answer("DX推進課の事業を一覧で")
    reply = answerer.answer("その中で令和20年度のものは？", first.session_id)
    assert "令和20年度（2038年度）の記載がありません" in reply.answer
    assert reply.project_ids == first.project_ids  # still the topic of the conversation
    assert_grounded(plan, reply)  # the years the plan does give, each cited verbatim
    for citation in reply.citations:
        assert citation.excerpt in [e.text for e in plan.project(citation.id).schedule]


def test_english_frame_words_do_not_narrow_a_facet_list(plan, answerer):
    reply = answerer.answer("Projects of DX推進課")
    expected = [p.id for p in plan.projects if "DX推進課" in p.departments]
    assert reply.answer_type == "list" and sorted(reply.project_ids) == sorted(expected)


def test_a_new_year_question_after_an_answer_is_not_a_followup(plan, answerer):
    first = answerer.answer("コールセンター運営の担当は？")
    reply = answerer.answer("令和8年度の事業は？", first.session_id)
    expected = [p.id for p in plan.projects if p.covers_year(2026)]
    assert reply.answer_type == "list" and sorted(reply.project_ids) == sorted(expected)
    reply = answerer.answer("令和8年度のスマホ教室は？", first.session_id)
    salon = project_named(plan, "スマホサロンの推進事業")
    assert reply.project_ids == [salon.id]  # its own topic, not the call center; and not dropped for lacking a year
    assert "具体的な年度の記載がありません" in reply.answer
    assert_grounded(plan, reply)


def test_year_followup_on_many_rows_lists_those_dated_that_year(plan, answerer):
    first = answerer.answer("信頼される市役所って、具体的にはどんな姿を目指しているの？")
    assert first.answer_type == "policy" and len(first.project_ids) > 10
    reply = answerer.answer("その中で令和9年度のものは？", first.session_id)
    expected = [i for i in first.project_ids if plan.project(i).covers_year(2027)]
    assert reply.answer_type == "list" and len(expected) > 1 and sorted(reply.project_ids) == sorted(expected)
    for citation in reply.citations:  # each row cited by its schedule line for 令和9年度
        assert citation.excerpt in [e.text for e in plan.project(citation.id).schedule if e.covers(2027)]


def test_several_tags_bound_a_search_to_their_union(plan, answerer):
    reply = answerer.answer("少子化対策や経済再生に関係するデジタルの取組は？")
    union = {p.id for p in plan.projects if {"少子化対策", "経済再生"} & set(p.tags)}
    assert reply.project_ids and set(reply.project_ids) <= union
