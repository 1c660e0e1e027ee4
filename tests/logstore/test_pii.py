"""mask_pii: every supported form is masked, plan vocabulary is not, and inserted details never survive."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.logstore.pii import EMAIL, MY_NUMBER, NAME, PHONE, POSTAL_CODE, find_pii, mask_pii


@pytest.mark.parametrize(
    "phone",
    [
        "095-822-8888",
        "0958228888",
        "090-1234-5678",
        "09012345678",
        "+81-95-822-8888",
        "+81 95 822 8888",
        "+81 (0)95-822-8888",
        "+819012345678",
        "(095)822-8888",
        "(095) 822-8888",
        "095 822 8888",
        "095.822.8888",
        "095ー822ー8888",  # IME long-vowel mark instead of a hyphen
        "０９５－８２２－８８８８",  # full width
        "（０９５）８２２－８８８８",
        "＋８１－９５－８２２－８８８８",
        "0120-123-456",
        "050-1234-5678",
        "0957-22-1234",
    ],
)
def test_phone_numbers_are_masked(phone):
    assert mask_pii(f"電話は{phone}です") == f"電話は{PHONE}です"


@pytest.mark.parametrize(
    "email",
    [
        "taro@example.com",
        "taro.yamada+city@mail.example.co.jp",
        "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "T_Nagasaki-1@city.nagasaki.lg.jp",
    ],
)
def test_email_addresses_are_masked(email):
    assert mask_pii(f"連絡先は{email}まで") == f"連絡先は{EMAIL}まで"


@pytest.mark.parametrize("number", ["123456789012", "1234 5678 9012", "1234-5678-9012", "１２３４　５６７８　９０１２"])
def test_individual_numbers_are_masked(number):
    assert mask_pii(f"マイナンバーは{number}です") == f"マイナンバーは{MY_NUMBER}です"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("〒850-8685 長崎市魚の町", f"{POSTAL_CODE} 長崎市魚の町"),
        ("〒8508685", POSTAL_CODE),
        ("住所は850-8685です", f"住所は{POSTAL_CODE}です"),
        ("〒８５０－８６８５", POSTAL_CODE),
    ],
)
def test_postal_codes_are_masked(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("私は長崎太郎です", f"私は{NAME}です"),
        ("私は長崎 太郎と申します。", f"私は{NAME}と申します。"),
        ("わたしはナガサキタロウといいます", f"わたしは{NAME}といいます"),
        ("私はﾅｶﾞｻｷﾀﾛｳです", f"私は{NAME}です"),
        ("名前は長崎太郎です", f"名前は{NAME}です"),
        ("私の名前は山田花子と言います。", f"私の名前は{NAME}と言います。"),
        ("氏名は長崎太郎、住所は長崎市", f"氏名は{NAME}、住所は長崎市"),
        ("氏名：ながさき たろう", f"氏名：{NAME}"),
        ("お名前: John Smith", f"お名前: {NAME}"),
        ("名前はのぞみです。", f"名前は{NAME}です。"),
    ],
)
def test_introduced_names_are_masked(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "令和7年度に何をしますか",
        "2027年度の予定は？",
        "20業務の一覧",
        "H1-1/1/6 の事業について",
        "令和5～7年度 : 別館解体工事",
        "2025-2029年度の計画",
        "事業費は1,234千円",
        "2025-04-01から開始",
        "令和7年4月1日",
        "第3章 1-2-3",
        "私は長崎市に住んでいます。ごみの出し方を教えて",
        "私はごみの出し方が知りたい",
        "名前はどこに書けばいいですか",
        "名前の変更手続き",
        "10:00-17:00",
        "",
    ],
)
def test_plan_vocabulary_and_plain_questions_are_untouched(text):
    assert mask_pii(text) == text


def test_output_keeps_original_characters_outside_masks():
    text = "ｺﾞﾐの件で、０９０－１２３４－５６７８に電話ください！"
    assert mask_pii(text) == f"ｺﾞﾐの件で、{PHONE}に電話ください！"


def test_several_details_in_one_message():
    text = "私は長崎太郎です。〒850-8685、電話095-822-8888、mail: taro@example.jp、番号1234 5678 9012"
    assert mask_pii(text) == f"私は{NAME}です。{POSTAL_CODE}、電話{PHONE}、mail: {EMAIL}、番号{MY_NUMBER}"


def test_overlapping_matches_are_merged_under_the_longer_label():
    # 822-8888 alone looks like a postal code; inside the phone number it must not split the mask.
    assert find_pii("095-822-8888") == [(0, 12, PHONE)]


def test_masking_is_idempotent():
    text = "私は長崎太郎です。095-822-8888 / taro@example.jp"
    assert mask_pii(mask_pii(text)) == mask_pii(text)


def test_twelve_digits_are_not_a_phone_and_thirteen_are_not_a_my_number():
    assert mask_pii("0123-4567-8901") == MY_NUMBER
    assert mask_pii("1234567890123") == "1234567890123"  # 法人番号-sized: out of scope, left alone


# -- property tests: random text around an inserted detail ---------------------------------------------

_PHONES = st.sampled_from(
    ["095-822-8888", "0958228888", "090-1234-5678", "+81-95-822-8888", "(095)822-8888", "０９５－８２２－８８８８"]
)
_MY_NUMBERS = st.sampled_from(["123456789012", "1234 5678 9012", "9876-5432-1098"])
_EMAILS = st.from_regex(r"[a-z][a-z0-9._]{0,10}@[a-z]{1,8}\.(jp|com|co\.jp)", fullmatch=True)
_DETAILS = st.one_of(_PHONES, _MY_NUMBERS, _EMAILS)
# Any Unicode except surrogates; the detail is set off by a space, as a real sentence would set it off
# from surrounding digits or letters (「5095-822-8888」 is a different number).
_ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
_JAPANESE_TEXT = st.text(
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FF) | st.sampled_from("長崎市電話はです。、")
)


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


def _assert_gone(detail: str, out: str, surroundings: str) -> None:
    assert detail not in out
    assert unicodedata.normalize("NFKC", detail) not in unicodedata.normalize("NFKC", out)
    if "@" not in detail:
        # Not even the bare digit sequence is left (unless the random text itself happens to hold it).
        assert _digits(detail) not in _digits(out) or _digits(detail) in _digits(surroundings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(left=_ANY_TEXT, detail=_DETAILS, right=_ANY_TEXT)
def test_inserted_detail_never_survives_random_text(left, detail, right):
    _assert_gone(detail, mask_pii(f"{left} {detail} {right}"), left + right)


@settings(max_examples=300, deadline=None)
@given(left=_JAPANESE_TEXT, detail=_DETAILS, right=_JAPANESE_TEXT)
def test_inserted_detail_never_survives_japanese_text_without_spaces(left, detail, right):
    _assert_gone(detail, mask_pii(f"{left}{detail}{right}"), left + right)


@settings(max_examples=200, deadline=None)
@given(_ANY_TEXT)
def test_text_without_digits_at_signs_or_name_triggers_is_unchanged(text):
    out = mask_pii(text)
    normalised = unicodedata.normalize("NFKC", text)
    # Triggers: digits, @, the self-introduction and name-field particles, and the honorifics' and
    # と申します/といいます' first characters (a name is found before those too).
    if not any(c.isdigit() or c in "@は:=さ様サ氏く君ち申い言" for c in normalised):
        assert out == text
