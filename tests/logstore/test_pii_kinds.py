"""The kinds of personal data the first rules missed (#16): addresses, names with honorifics or before a
space, card numbers and spaced phone numbers; and the plan's own text, which must never be touched."""

from __future__ import annotations

import pytest

from assistant.logstore.pii import ADDRESS, CARD, MY_NUMBER, NAME, PHONE, find_pii, mask_pii
from tests.conftest import CORPUS_DIR


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("長崎市桜町2番1号に住んでいます", f"{ADDRESS}に住んでいます"),
        ("長崎県長崎市茂里町2-41です", f"{ADDRESS}です"),
        ("長崎市滑石3丁目5-1のアパート", f"{ADDRESS}のアパート"),
        ("自宅は 長崎市 大橋町 12番地 です", f"自宅は {ADDRESS} です"),
        ("実家は長崎市矢上町二丁目にあります", f"実家は{ADDRESS}にあります"),
        ("桜町２−１の建物", f"{ADDRESS}の建物"),
        ("長崎市平和町10番5号203号室です", f"{ADDRESS}です"),
        ("長崎市岩川町7-12-301に住んでいます", f"{ADDRESS}に住んでいます"),
        ("東京都千代田区霞が関1-3-1の本社", f"{ADDRESS}の本社"),
        ("長崎市式見町５５８番地１", ADDRESS),
    ],
)
def test_addresses_with_a_house_number_are_masked(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("山田太郎様の件です", f"{NAME}様の件です"),
        ("担当の田中さんにお礼を", f"担当の{NAME}さんにお礼を"),
        ("佐藤 健 様あてに", f"{NAME} 様あてに"),
        ("伊藤氏の発言", f"{NAME}氏の発言"),
        ("林さんに電話をもらいました", f"{NAME}さんに電話をもらいました"),
        ("田中課長さんによろしく", f"{NAME}課長さんによろしく"),
        ("ジョン・スミスさんの通訳", f"{NAME}さんの通訳"),
        ("私は山田太郎 です", f"私は{NAME} です"),
        ("私は 山本 一郎 です", f"私は {NAME} です"),
        ("長崎市の山口と申します", f"長崎市の{NAME}と申します"),
        ("自分は松本といいます", f"自分は{NAME}といいます"),
        ("わたくしは村上恵子でございます", f"わたくしは{NAME}でございます"),
    ],
)
def test_names_with_honorifics_or_introductions_are_masked(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "市長さんに意見を伝えたい",
        "職員さんの研修",
        "担当者様へ、質問があります",
        "市民の皆様へ",
        "お客様センター",
        "係長さんか課長さんに代わってください",
        "私は長崎市民です",
        "私は高校生です",
        "あじさいコールさんに聞いた",
        "同様に",
        "子育ての様子",
        "氏名の変更",
        "お世話様です",
        "オペレーターさん",
    ],
)
def test_roles_and_set_phrases_are_not_names(text):
    assert mask_pii(text) == text


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",
        "378282246310005",
        "4111 1111 1111 1111",
        "5555-5555-5555-4444",
        "３５３０　１１１３　３３３０　００００",
        "3782 822463 10005",
        "30569309025904",
    ],
)
def test_card_numbers_that_pass_luhn_are_masked_whole(card):
    assert mask_pii(f"カード {card} で払えますか") == f"カード {CARD} で払えますか"


def test_the_reported_card_is_no_longer_half_masked():
    assert mask_pii("カード 4111 1111 1111 1111") == f"カード {CARD}"  # was 「［個人番号］ 1111」


def test_digit_runs_that_fail_luhn_are_not_cards():
    assert mask_pii("4111111111111112") == "4111111111111112"
    assert mask_pii("2025 2026 2027 2028年度") == "2025 2026 2027 2028年度"
    assert mask_pii("1234 5678 9012") == MY_NUMBER  # 12 digits stay a 個人番号


@pytest.mark.parametrize(
    "phone",
    [
        "090 - 1234 - 5678",
        "０９０　１２３４　５６７８",
        "095 - 822 - 8888",
        "070 1111 2222",
        "０８０ - ３３３３ - ４４４４",
    ],
)
def test_spaced_phone_numbers_are_masked(phone):
    assert mask_pii(f"電話 {phone} まで") == f"電話 {PHONE} まで"


@pytest.mark.parametrize(
    "text",
    [
        "桜町の新しい市役所はいつできますか",
        "長崎市役所の窓口",
        "茂里町の工事はいつ終わる？",
        "基本施策1-2の内容は",
        "市の事業1-2について",
        "第3章 1-2-3",
        "2番目の事業",
        "1番窓口",
        "H1-1/1/6 の担当課",
        "令和5～7年度 : 別館解体工事",
    ],
)
def test_places_without_a_house_number_and_plan_codes_are_untouched(text):
    assert mask_pii(text) == text


def test_the_plans_own_text_is_never_masked():
    lines = [line for path in sorted(CORPUS_DIR.glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    lines = [line for line in lines if line.strip()]
    assert len(lines) > 200
    assert [(line, find_pii(line)) for line in lines if find_pii(line)] == []


def test_the_plans_parsed_rows_are_never_masked(plan):
    texts = [p.name for p in plan.projects] + [p.department_text for p in plan.projects]
    texts += [line for p in plan.projects for line in p.summary_lines]
    texts += [n.title for n in plan.policies]
    assert [t for t in texts if mask_pii(t) != t] == []
