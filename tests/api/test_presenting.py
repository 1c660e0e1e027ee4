"""How replies are presented without a model: one citation per row, the operator card, the widget's config."""

from __future__ import annotations

import json

from assistant.answer.types import Citation, Reply, cited_rows
from assistant.api.cards import operator_card
from assistant.api.widget import PLACEHOLDER, widget_config, widget_script
from assistant.settings import Handoff, Settings


def citation(cid: str, excerpt: str, line: int, kind: str = "project", depts=("広報広聴課",)) -> Citation:
    return Citation(
        id=cid, kind=kind, name=f"事業{cid}", departments=depts, path={}, path_label="H1 > H1-1",
        excerpt=excerpt, source={"file": "plan.txt", "line_start": line, "line_end": line},
    )  # fmt: skip


def test_a_row_cited_twice_is_one_citation_with_both_lines_in_order():
    rows = cited_rows([citation("A", "【広報広聴課】", 54), citation("B", "別の行", 60), citation("A", "○概要", 54)])
    assert [r["id"] for r in rows] == ["A", "B"]
    assert rows[0]["excerpt"] == "【広報広聴課】" and rows[0]["excerpts"] == ["【広報広聴課】", "○概要"]
    assert rows[1]["excerpts"] == ["別の行"]


def test_merged_source_spans_every_cited_line():
    rows = cited_rows([citation("A", "一", 54), citation("A", "二", 56), citation("A", "一", 54)])
    assert rows[0]["source"] == {"file": "plan.txt", "line_start": 54, "line_end": 56}
    assert rows[0]["excerpts"] == ["一", "二"]  # the same line twice is kept once


def reply(coverage="covered", citations=None, **extra) -> Reply:
    return Reply(session_id="s", message_id="m", answer="答え", answer_type="who", confidence="high",
                 coverage=coverage, citations=citations or [], **extra)  # fmt: skip


def test_operator_card_names_each_department_once_and_caps_names():
    cites = [citation(str(i), f"行{i}", i, depts=("DX推進課", "情報統計課")) for i in range(5)]
    card = operator_card(reply(citations=cites))
    assert card["departments"] == "DX推進課、情報統計課"
    assert card["names"] == "事業0、事業1、事業2 ほか2件"
    assert not card["refused"] and card["evidence_title"] == "根拠となる計画の記載"


def test_operator_card_for_a_refusal_shows_the_scope_not_a_department():
    card = operator_card(reply(coverage="not_covered", citations=[citation("A", "行", 1)]))
    assert card["refused"] and card["departments"] == "—（計画の範囲外）" and card["names"] == "—"
    partly = operator_card(reply(coverage="partly", citations=[citation("A", "行", 1)]))
    assert partly["handoff_title"] == "お尋ねの点は計画に記載がありません"
    assert partly["evidence_title"] == "関連する計画の記載"
    assert not operator_card(reply(coverage="nothing"))["refused"]  # nothing to look up: no scope card


def test_widget_script_carries_settings_and_cannot_be_broken_out_of():
    settings = Settings(handoff=Handoff(name="</script><script>alert(1)</script>", phone="0120-000-000"))
    source = widget_script(settings).decode()
    assert PLACEHOLDER not in source
    start = source.index("const CONFIG = ") + len("const CONFIG = ")
    literal = source[start : source.index(" || {};", start)]
    assert "<" not in literal  # escaped inside the JSON: no setting can end a script element
    config = json.loads(literal)
    assert config == widget_config(settings)
    assert config["handoff"]["phone"] == "0120-000-000" and config["privacy_url"] == "/about#privacy"
