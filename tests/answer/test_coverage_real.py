"""Does the plan cover it? The four outcomes on the real stack (real model, index, dictionary, calibration).

The questions are new, written for these tests (none is an evaluation item): long complaints about a
service the plan does not describe, near misses that share words with a row, nonsense and greetings,
English out of scope, and in-scope questions that must still be answered.
"""

from __future__ import annotations

import pytest

from assistant.answer.service import Answerer

pytestmark = pytest.mark.slow

REFUSED = {"partly", "not_covered", "nothing"}


@pytest.fixture(scope="module")
def answerer(runtime):
    return Answerer(runtime.plan, runtime.searcher, runtime.settings)


def test_the_default_model_has_a_fitted_coverage_model(answerer):
    assert answerer.coverage.model is not None


@pytest.mark.parametrize(
    "question",
    [
        "先週から家の前の側溝が詰まっていて、雨が降るたびに水があふれて道が水浸しになります。近所の人も困って"
        "いて、市役所の窓口に電話したのですが、たらい回しにされました。いったいどこが掃除してくれるんですか？",
        "母が一人暮らしで最近物忘れがひどくなってきました。デイサービスを使いたいのですが、認定を受けるには"
        "どこに申請すればいいのでしょうか。仕事があるので平日の昼間はなかなか動けません。",
        "うちの子、来年小学校に上がるとですけど、校区の学校ば変えられると？",
        "燃えないごみの袋はどこで売っていますか",
    ],
)
def test_services_outside_the_plan_are_refused_with_the_hand_off(answerer, question):
    reply = answerer.answer(question)
    assert reply.coverage in {"partly", "not_covered"}, reply.answer
    assert reply.answer_type == "not_found" and reply.confidence == "none"
    assert reply.handoff is not None and "095-822-8888" in reply.answer


@pytest.mark.parametrize(
    "question",
    [
        "コールセンターの電話番号と、土日も開いているかを教えてください。",
        "スマホ教室の参加料はいくらですか？",
    ],
)
def test_near_misses_say_what_the_plan_does_not_give(plan, answerer, question):
    reply = answerer.answer(question)
    assert reply.coverage in {"partly", "not_covered"}, reply.answer
    if reply.coverage == "partly":
        head = reply.answer.splitlines()[0]
        assert head.startswith("計画には") and head.endswith("記載はありません。")
        assert "関連する計画の記載" in reply.detail and "関連する計画の記載" not in reply.answer
        assert reply.citations and all(plan.contains_verbatim(c.excerpt) for c in reply.citations)
        assert reply.project_ids == []  # a related row is not the answer a follow-up would refer to


@pytest.mark.parametrize("message", ["zxcvbnm", "こんにちは！", "ありがとうございました。", "<i>hello</i>", "🙂🙂🙂"])
def test_nothing_to_answer_asks_to_rephrase(answerer, message):
    reply = answerer.answer(message)
    assert reply.coverage == "nothing", reply.answer
    assert reply.citations == [] and reply.handoff is None
    assert reply.suggestions  # what one could ask instead


@pytest.mark.parametrize(
    "question",
    ["Which day is burnable garbage collected in my neighbourhood?", "How do I renew my health insurance card?"],
)
def test_english_out_of_scope_is_refused_in_english(answerer, question):
    reply = answerer.answer(question)
    assert reply.coverage in REFUSED, reply.answer
    assert reply.lang == "en" and "Please contact" in reply.answer


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("市民の声ってどうやって市政に届けられると？", None),
        ("お年寄り向けにスマートフォンの使い方を教えてくれる講座はある？", None),
        ("Can a company put its name on a city facility?", "ネーミングライツ事業"),
    ],
)
def test_in_scope_questions_are_still_answered(plan, answerer, question, name):
    reply = answerer.answer(question)
    assert reply.coverage == "covered", reply.answer
    assert reply.citations and all(plan.contains_verbatim(c.excerpt) for c in reply.citations)
    if name:
        assert reply.citations[0].name == name


def test_the_call_center_channel_never_refers_the_operator_to_itself(answerer):
    question = "粗大ごみを出したいので、収集の申込み方法を教えてください"
    citizen = answerer.answer(question)
    operator = answerer.answer(question, channel="callcenter")
    assert citizen.coverage == operator.coverage != "covered"
    assert "095-822-8888" in citizen.answer
    assert "095-822-8888" not in operator.answer and "あじさいコール" not in operator.answer
    assert "実施計画（第H章）の範囲外です" in operator.answer


def test_a_named_row_asked_for_a_fact_it_does_not_state_is_partly_covered(plan, answerer):
    # Any row without an amount: asked for one by its exact name, the answer says the plan gives none.
    project = next(p for p in plan.projects if len(p.name) >= 6 and "円" not in "".join(p.summary_lines))
    reply = answerer.answer(f"{project.name}の参加費はいくらですか？")
    assert reply.coverage == "partly", reply.answer
    assert reply.answer.startswith("計画には「金額」についての記載はありません。")
    assert reply.citations[0].id == project.id and plan.contains_verbatim(reply.citations[0].excerpt)
