"""Answers built from the sentence that answers, short first (#14), on the real stack.

One test per kind of failure seen on blind questions: the right row with the wrong lines, a question read as
the wrong kind, dialect, and answers too long for a phone. The questions are new, written for these tests.
"""

from __future__ import annotations

import pytest

from assistant.answer.service import Answerer
from tests.answer.test_answerer import assert_grounded
from tests.conftest import project_named

SHORT = 120


@pytest.fixture(scope="module")
def answerer(runtime):
    return Answerer(runtime.plan, runtime.searcher, runtime.settings)


def test_a_when_answer_names_the_dated_line_asked_about(plan, answerer):
    reply = answerer.answer("広報ツールの刷新はいつ？")
    assert reply.answer_type == "when"
    assert "プロモーション用広報ツールの刷新" in reply.answer and "令和6年度（2024年度）" in reply.answer
    assert reply.citations[0].excerpt.endswith("プロモーション用広報ツールの刷新")
    assert "令和2年度" not in reply.answer  # the other dates of the row are in the long form only
    assert "令和2年度" in reply.detail
    assert_grounded(plan, reply)


def test_since_when_without_words_of_its_own_is_the_first_date(plan, answerer):
    first = answerer.answer("ネーミングライツって何？")
    reply = answerer.answer("それはいつから？", first.session_id)
    assert reply.answer_type == "when" and reply.answer.startswith("令和4年度（2022年度）")


def test_since_when_with_words_is_the_entry_about_them(answerer):
    reply = answerer.answer("旧別館の跡地の公園工事はいつから？")
    assert "都市公園建設工事" in reply.answer and "令和9年度（2027年度）" in reply.answer


def test_a_duration_is_quoted_from_the_line_that_states_it(plan, answerer):
    reply = answerer.answer("デジタル人材の集合研修って何年間？")
    assert reply.project_ids == [project_named(plan, "デジタル化推進を担う職員の育成事業").id]
    assert "1年間の集合型研修" in reply.answer
    assert_grounded(plan, reply)


def test_a_who_answer_cites_the_line_about_what_was_asked(plan, answerer):
    reply = answerer.answer("カスハラ対策の通話録音はどこの課？")
    project = project_named(plan, "録音装置等設置業務")
    assert reply.answer_type == "who" and reply.project_ids == [project.id]
    assert all(d in reply.answer for d in project.departments)
    assert reply.citations[0].excerpt == project.department_text
    assert reply.citations[1].excerpt in project.summary_lines


def test_approaches_of_a_named_policy_are_listed(plan, answerer):
    reply = answerer.answer("H3-1の取組方針を教えて")
    assert reply.answer_type == "policy"
    assert all(a.title in reply.answer for a in plan.node("H3-1").approaches)


def test_a_goal_with_a_year_is_the_goal_not_a_year_filter(plan, answerer):
    reply = answerer.answer("H2-2は2025年度にどんな姿を目指してる？")
    assert reply.answer_type == "policy" and plan.node("H2-2").goal.intent in reply.answer


def test_departments_joined_by_or_list_the_rows_of_either(plan, answerer):
    reply = answerer.answer("人事課または広報広聴課の事業を一覧で")
    expected = {p.id for p in plan.projects if {"人事課", "広報広聴課"} & set(p.departments)}
    assert reply.answer_type == "list" and set(reply.project_ids) == expected
    assert "人事課" in reply.answer and "広報広聴課" in reply.answer


def test_how_many_about_a_fact_is_not_a_count_of_projects(answerer):
    reply = answerer.answer("ふるさと納税の寄付は何件集まった？")
    assert reply.answer_type != "count" and "件です" not in reply.answer


def test_dialect_reaches_the_row(plan, answerer):
    reply = answerer.answer("市の地図情報ばネットで見られると？")
    assert reply.project_ids[0] == project_named(plan, "公開型GISシステムの拡充").id


@pytest.mark.parametrize(
    "question",
    [
        "自治会に入りたいんですけど、市はどんな手伝いをしてくれますか",
        "市役所の手続きってスマホでできるようになると？",
        "DX推進課の事業を一覧で",
        "コールセンターの担当課は？",
        "職員の研修はいつからやっとる？",
    ],
)
def test_citizen_answers_are_short_and_plain(plan, answerer, question):
    reply = answerer.answer(question)
    assert len(reply.answer) <= SHORT, reply.answer
    assert "○" not in reply.answer and "\n" not in reply.answer
    assert reply.detail == "" or len(reply.detail) > len(reply.answer)
    assert_grounded(plan, reply)
