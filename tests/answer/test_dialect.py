"""Nagasaki / Kyushu dialect normalizer: one group of sentences per grammar point, plus standard Japanese
that must pass through untouched. The sentences are made up from the grammar, not taken from logs."""

from __future__ import annotations

import json
import re

import pytest

from assistant.answer.dialect import (
    RULES_PATH,
    DialectNormalizer,
    expand_macros,
    load_rules,
    normalize_dialect,
)

OBJECT_BA = [
    ("地図で市の情報ば見られるサイトはあると？", "地図で市の情報を見られるサイトはあるの？"),
    ("情報ば見る", "情報を見る"),
    ("ごみば出す", "ごみを出す"),
    ("税金ば払う", "税金を払う"),
    ("手続きば教えて", "手続きを教えて"),
    ("PDFば見たい", "PDFを見たい"),
    ("パスポートばもらいたい", "パスポートをもらいたい"),
    ("「申請書」ば書く", "「申請書」を書く"),
    ("子どもば預ける", "子どもを預ける"),
    ("住所ば、変えたい", "住所を、変えたい"),
    ("何ば食べる", "何を食べる"),
    ("なんばすると？", "なにをするの？"),
    ("来るとば待つ", "来るのを待つ"),
]

SENTENCE_FINAL = [
    ("あると？", "あるの？"),
    ("あると?", "あるの?"),
    ("行くとよ", "行くのよ"),
    ("もう終わったと？", "もう終わったの？"),
    ("あるとですか", "あるのですか"),
    ("あるとね？", "あるのね？"),
    ("あると。", "あるの。"),
    ("いいと？", "いいの？"),
    ("あるとがいい", "あるのがいい"),
    ("あるっちゃん", "ある"),
    ("あるっちゃんね", "あるね"),
    ("とりたいっちゃけど", "とりたいんだけど"),
    ("あるばい", "ある"),
    ("そうたい", "そう"),
    ("あるとたい", "あるの"),
    ("ここはいい所たい", "ここはいい所"),
]

ASPECT = [
    ("しよる", "している"),
    ("しよった", "していた"),
    ("しよらん", "していない"),
    ("しよらんかった", "していなかった"),
    ("しとる", "している"),
    ("しとった", "していた"),
    ("しとらん", "していない"),
    ("しとります", "しています"),
    ("やりよる", "やっている"),
    ("見よる", "見ている"),
    ("行きよる", "行っている"),
    ("書きよる", "書いている"),
    ("泳ぎよる", "泳いでいる"),
    ("読みよる", "読んでいる"),
    ("遊びよる", "遊んでいる"),
    ("待ちよる", "待っている"),
    ("食べよる", "食べている"),
    ("テレビみよる", "テレビ見ている"),
    ("やっとる", "やっている"),
    ("知っとる", "知っている"),
    ("来とる", "来ている"),
    ("待っとる", "待っている"),
    ("書いとった", "書いていた"),
    ("住んどる", "住んでいる"),
    ("読んどらん", "読んでいない"),
    ("やっとると？", "やっているの？"),
    ("何時までやっとると？", "何時までやっているの？"),
    ("バスはもう出とると？", "バスはもう出ているの？"),
    ("何ばしよっと？", "何をしているの？"),
    ("知っとっと？", "知っているの？"),
    ("保育園ば探しよるとですけど", "保育園を探しているのですけど"),
]

ORU = [
    ("担当の人はおると？", "担当の人はいるの？"),
    ("まだおると？", "まだいるの？"),
    ("ここにおった", "ここにいた"),
    ("誰もおらん", "誰もいない"),
    ("誰もおらんかった", "誰もいなかった"),
    ("市役所におるけん、来て", "市役所にいるから、来て"),
]

NEGATION = [
    ("知らん", "知らない"),
    ("知らんと？", "知らないの？"),
    ("それは知らんかった", "それは知らなかった"),
    ("わからん", "わからない"),
    ("分からんけん", "分からないから"),
    ("できん", "できない"),
    ("出来んかった", "出来なかった"),
    ("できんと？", "できないの？"),
    ("行かん", "行かない"),
    ("来ん", "来ない"),
    ("来らん", "来ない"),
    ("見らんかった", "見なかった"),
    ("要らん", "要らない"),
    ("使えんと？", "使えないの？"),
    ("払わんでいい", "払わないでいい"),
    ("何もせん", "何もしない"),
    ("予約せんと", "予約しないと"),
    ("勉強せんかった", "勉強しなかった"),
    ("どうにもならん", "どうにもならない"),
]

MUST = [
    ("せんばいかん", "しなければいけない"),
    ("申し込みはいつまでにせんばいかんと？", "申し込みはいつまでにしなければいけないの？"),
    ("書かんばいかん", "書かなければいけない"),
    ("行かんばいけん", "行かなければいけない"),
    ("勉強せんといかん", "勉強しないといけない"),
    ("見せんといかん", "見せないといけない"),
    ("それはいけん", "それはいけない"),
]

ADJECTIVES = [
    ("どがんしたらよかと？", "どうしたらいいの？"),
    ("よかと？", "いいの？"),
    ("よかよ", "いいよ"),
    ("どこがよか", "どこがいい"),
    ("よかね", "いいね"),
    ("よか店", "いい店"),
    ("かっこよか", "かっこいい"),
    ("なかと？", "ないの？"),
    ("お金がなか", "お金がない"),
    ("近くに公園はなかと？", "近くに公園はないの？"),
    ("少なか", "少ない"),
    ("そがんことなか", "そんなことない"),
    ("多か", "多い"),
    ("多か？", "多い？"),
    ("高かけん", "高いから"),
    ("安かと？", "安いの？"),
    ("新しか建物", "新しい建物"),
    ("難しか", "難しい"),
    ("手続きは難しかと？", "手続きは難しいの？"),
    ("欲しかと？", "欲しいの？"),
    ("すごかね", "すごいね"),
]

GOTA_AND_DESIRE = [
    ("見たごたる", "見たい"),
    ("行きたかごたる", "行きたい"),
    ("行きたかごた", "行きたい"),
    ("雨んごたる天気", "雨のような天気"),
    ("雨のごたる。", "雨のようだ。"),
    ("降るごたる天気", "降るような天気"),
    ("聞きたかけん", "聞きたいから"),
    ("住所ば変えたかとです", "住所を変えたいのです"),
    ("会いたかよ", "会いたいよ"),
]

DEMONSTRATIVES = [
    ("どがんなっとる", "どうなっている"),
    ("どげんしたと？", "どうしたの？"),
    ("どがん思う？", "どう思う？"),
    ("どがん事業があると？", "どんな事業があるの？"),
    ("どがんな事業", "どんな事業"),
    ("どがんと？", "どうなの？"),
    ("そがんこと", "そんなこと"),
    ("そげんです", "そうです"),
    ("こがん時は", "こんな時は"),
    ("こがんしたら", "こうしたら"),
    ("こがんとがいい", "こんなのがいい"),
    ("あがん人", "あんな人"),
    ("あがんふうになりたい", "あんなふうになりたい"),
    ("あげんしたらいけない", "ああしたらいけない"),
]

REASON_AND_CONJUNCTION = [
    ("あるけん大丈夫", "あるから大丈夫"),
    ("行くけんね", "行くからね"),
    ("行ったけん、", "行ったから、"),
    ("ないけん", "ないから"),
    ("雨やけん、行かん", "雨だから、行かない"),
    ("そうやけん", "そうだから"),
    ("あるとやけん", "あるのだから"),
    ("ばってん、高か", "けど、高い"),
    ("行きたかばってん時間がなか", "行きたいけど時間がない"),
    ("行きたかばってん時間のなか", "行きたいけど時間のなか"),  # の + なか reads as 'inside': kept
    ("ほんなこつ？", "本当に？"),
]

ALL_CASES = (
    OBJECT_BA
    + SENTENCE_FINAL
    + ASPECT
    + ORU
    + NEGATION
    + MUST
    + ADJECTIVES
    + GOTA_AND_DESIRE
    + DEMONSTRATIVES
    + REASON_AND_CONJUNCTION
)

# Standard Japanese that shares letters with a dialect pattern; each must come back unchanged.
STANDARD = [
    # ば: conditionals, words that contain ば, verbs of the ぶ row
    "市役所の場所を教えて",
    "ばね",
    "半ば",
    "4月の半ば、",
    "選ばれる",
    "遊ばない",
    "伸ばす",
    "ばかり",
    "情報ばかり",
    "行けば",
    "あれば",
    "すれば",
    "なければ",
    "例えば、",
    "いわば",
    "場合",
    "このばあい",
    "おばあちゃん",
    "ばあちゃん",
    "ことば",
    "そば",
    "しばらく",
    "のりば",
    # と: quotative / 'and' / adverbs
    "市と県",
    "聞いたと言っていた",
    "とても",
    "そと",
    "ちょっと",
    "ちょっと待って",
    "もっと！",
    "ずっと？",
    "やっと。",
    "こと。",
    "何と？",
    "何だと？",
    "行かないと。",
    "とっとと帰る",
    "SDGsとは",
    # よか / なか
    "よかった",
    "よかったら教えて",
    "なかなか",
    "なかなか。",
    "真ん中",
    "中",
    "仲",
    "まんなか",
    "おなか",
    "なかま",
    "なかった",
    "いなか",
    # よる / とる / おる
    "によって",
    "場合によります",
    "夜",
    "見よう",
    "しよう",
    "寝よっと。",
    "きよらか",
    "受けとる",
    "写真をとる",
    "メモとる",
    "写真とった",
    "それとって",
    "とっても",
    "もどる",
    "とおる",
    "なおる",
    "通った",
    "おります",
    "おりません",
    # ん / せん / けん
    "ありません",
    "できません",
    "せんせい",
    "宣伝",
    "専用",
    "田中さん",
    "みんな",
    "こんにちは",
    "知らんぷり",
    "並んでいる",
    "ならんで待つ",
    "かくれんぼ",
    "けんこう",
    "試験",
    "意見",
    "拝見します",
    # demonstrative look-alikes
    "がんばる",
    "ここがんばろう",
    "がん検診",
    "値段があがんない",
    # か: questions, na-adjectives, past tense
    "静か",
    "確か",
    "誰か？",
    "何か",
    "残高か？",
    "市長か？",
    "不安か",
    "白か黒か",
    "遅かれ早かれ",
    "高かった",
    "できたか？",
    "もうできたかと思った",
    "今しかない",
    # たい / ばい / ごた
    "見たい",
    "行きたい",
    "食べたい",
    "冷たい",
    "重たい",
    "やばい",
    "ごたごた",
    # already standard
    "本当に？",
    "元気？",
    "どうしたらいいの？",
]


@pytest.mark.parametrize(("dialect", "standard"), ALL_CASES)
def test_dialect_becomes_standard(dialect: str, standard: str) -> None:
    assert normalize_dialect(dialect) == standard


@pytest.mark.parametrize("text", STANDARD)
def test_standard_japanese_is_untouched(text: str) -> None:
    assert normalize_dialect(text) == text


@pytest.mark.parametrize(
    "text",
    ["", "Hello, where is the city hall?", "ba to yoka nanka", "PDF", "2025-04-01", "   "],
)
def test_text_without_japanese_is_untouched(text: str) -> None:
    assert normalize_dialect(text) == text


@pytest.mark.parametrize("text", [d for d, _ in ALL_CASES] + [s for _, s in ALL_CASES] + STANDARD)
def test_idempotent(text: str) -> None:
    once = normalize_dialect(text)
    assert normalize_dialect(once) == once


def test_full_and_half_width_question_marks_agree() -> None:
    for dialect in ["あると？", "知らんと？", "どがんしたらよかと？", "何ばしよっと？"]:
        half = dialect.replace("？", "?")
        assert normalize_dialect(half) == normalize_dialect(dialect).replace("？", "?")


def test_rules_file_is_documented_and_compiles() -> None:
    data = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    rules = load_rules()
    assert len(rules) == len(data["rules"]) > 30
    for entry, rule in zip(data["rules"], rules, strict=True):
        assert set(entry) == {"pattern", "replace", "note"}
        assert rule.note.strip(), entry["pattern"]
        assert re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", rule.note), f"note should be English: {rule.note!r}"
        assert not re.search(r"\{[A-Z][A-Z_]*\}", rule.pattern.pattern), "unexpanded macro"


def test_macros_expand_nested_and_reject_cycles() -> None:
    assert expand_macros("x{A}{2}", {"A": "[{B}]", "B": "ab"}) == "x[ab]{2}"
    with pytest.raises(ValueError):
        expand_macros("{A}", {"A": "{A}"})


def test_normalizer_accepts_own_rules_file(tmp_path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps([{"pattern": "ばい$", "replace": "", "note": "drop"}]), encoding="utf-8")
    normalizer = DialectNormalizer(path)
    assert normalizer("よかばい") == "よか"
    assert normalizer("hello") == "hello"


def test_bad_rule_is_named(tmp_path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps([{"pattern": "(", "replace": "", "note": "broken"}]), encoding="utf-8")
    with pytest.raises(ValueError, match="bad dialect rule"):
        load_rules(path)
