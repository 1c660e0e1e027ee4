"""Mask personal details in citizens' free text before it is ever written to the question log.

Citizens who are worried about something often type who they are and how to reach them into the chat box
("私は長崎太郎です。090-1234-5678に連絡ください"). The question log exists so that the 広聴 side can see what the
plan does not answer; it has no use for those details, and keeping them for months would turn a statistics
table into a register of personal information. So every question and feedback comment goes through
:func:`mask_pii` before it reaches SQLite, and only the masked text is stored.

What is masked (each replaced by a labelled placeholder so the question stays readable):

* ［電話番号］ Japanese phone numbers: landline, mobile, free dial, IP phone; with hyphens, spaces, dots,
  long-vowel marks typed by an IME (095ー822ー8888), parentheses around the area code ((095)822-8888),
  the +81 form (+81-95-822-8888, +81 (0)95…) and full-width digits. Recognised by shape: a leading 0 followed
  by 9–10 more digits with at most two separator characters between digits.
* ［メール］ e-mail addresses (ASCII local part; full-width ＠ and letters are normalised first).
* ［個人番号］ 12-digit individual numbers (マイナンバー), unbroken or 4-4-4 with spaces or hyphens.
  No check-digit test: any 12-digit number is masked, because a false positive costs nothing here.
* ［カード番号］ payment card numbers: 13-19 digits, unbroken or grouped by spaces or hyphens
  (4111 1111 1111 1111, 3782-822463-10005), that pass the Luhn check (so a long reference number is not
  taken for a card). Checked before 個人番号, so a card's first 12 digits are never half-masked.
* ［郵便番号］ postal codes: 〒850-8685, 〒8508685, and bare 850-8685 (a hyphen is required when there is no
  〒, so that plain 7-digit amounts are not touched). A bare 3-4 digit local phone number such as 822-8888 is
  masked too, under this label.
* ［住所］ addresses down to the house: a place name (optionally with 都道府県 and 市区町村, spaces allowed)
  followed by 丁目/番地/番…号 (長崎市桜町2番1号, 滑石3丁目5-1, 万才町5番地) or by a digit-hyphen house
  number after a town (桜町2-1, 長崎市茂里町2-41-305). A place without a house number (桜町, 長崎市役所) is a
  topic, not an address, and is left alone.
* ［氏名］ names: in self-introductions after 私は/わたしは/僕は when followed by です/と申します/といいます
  (so 「私は長崎市に住んでいます」 keeps its meaning); before と申します/といいます without 私は; after
  名前は/氏名は/お名前: up to the ending (です, と申します, punctuation, …); and before an honorific
  (山田太郎様, 田中 さん, 鈴木氏). Roles and ranks are not names (市長さん, 職員さん, 担当者様, 私は市民です);
  a name before a role is (田中課長さん: 田中 is masked).

Plan vocabulary is left alone on purpose: 令和7年度, 2027年度, 2025～2029年度, 20業務, H1-1/1/6, amounts and
dates do not start with 0 and 10 digits, do not have 12 digits, have no 3-4 hyphen shape, fail the Luhn
check, and are not a house number after a place name. tests/data/pii_sample.jsonl is the labelled sample
these rules are measured on (scripts/pii_report.py; results and the choice of rules over an NER model in
docs/privacy.md).

Matching runs on an NFKC-normalised copy (full-width digits, ＠, ＋, －, half-width katakana) while the
output keeps the citizen's original characters outside the masked spans; a per-character offset map ties
the two together.
"""

from __future__ import annotations

import re
import unicodedata

PHONE = "［電話番号］"
EMAIL = "［メール］"
MY_NUMBER = "［個人番号］"
POSTAL_CODE = "［郵便番号］"
NAME = "［氏名］"
CARD = "［カード番号］"
ADDRESS = "［住所］"

# Characters that people (and IMEs) put between digit groups. After NFKC, full-width －, ＿ and space
# become ASCII; the long-vowel mark ー and the various Unicode dashes survive NFKC, so they are listed.
_DASHES = r"\-‐‒–—―−ー─━"
# Up to three: 「090 - 1234 - 5678」 puts a space on both sides of the hyphen.
_PHONE_SEP = rf"[ \t.(){_DASHES}]{{0,3}}"
_GROUP_SEP = rf"[ \t{_DASHES}]"

# Domestic: 0 + 9 or 10 more digits (10/11-digit Japanese numbers), any grouping. The lookarounds keep
# the match from starting or ending inside a longer digit run (a 12-digit 個人番号 is not a phone number).
_PHONE_DOMESTIC = rf"(?<![0-9])\(?0(?:{_PHONE_SEP}[0-9]){{9,10}}(?![0-9])"
# International: +81, an optional (0), then the national number without its leading 0 (9 or 10 digits).
_PHONE_INTL = rf"\+81{_PHONE_SEP}(?:\(0\){_PHONE_SEP})?\(?[1-9](?:{_PHONE_SEP}[0-9]){{8,9}}(?![0-9])"
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
_MY_NUMBER = re.compile(rf"(?<![0-9])[0-9]{{4}}{_GROUP_SEP}?[0-9]{{4}}{_GROUP_SEP}?[0-9]{{4}}(?![0-9])")
# Three fiscal years in a row (「2025 2026 2027年度」) have the 4-4-4 shape of a 個人番号; a real one whose
# three groups all read as years 1900-2099 is a one-in-a-million case, so such a run is left alone.
_YEARS = re.compile(rf"(?:19|20)[0-9]{{2}}{_GROUP_SEP}(?:19|20)[0-9]{{2}}{_GROUP_SEP}(?:19|20)[0-9]{{2}}")
# Digit groups joined by single separators (「4111 1111 1111 1111 と」): card candidates are cut from these.
_DIGIT_GROUPS = re.compile(rf"(?<![0-9])[0-9]+(?:{_GROUP_SEP}[0-9]+)*")
_POSTAL = rf"〒[ \t]?[0-9]{{3}}[{_DASHES}]?[0-9]{{4}}(?![0-9])|(?<![0-9])[0-9]{{3}}[{_DASHES}][0-9]{{4}}(?![0-9])"

# Name-like characters. Hiragana is allowed only after 名前は/氏名は: after 私は a hiragana run is far more
# often the question itself (「私はごみの出し方が…」) than a name.
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"
# U+3099/U+309A: per-character NFKC turns half-width ﾞ/ﾟ into combining marks, which belong to the name.
_KATAKANA = "\u30a1-\u30faー・\u3099\u309a"
_HIRAGANA = "\u3041-\u3096"
_LATIN = "A-Za-z"
_NAME_STRICT = f"[{_KANJI}{_KATAKANA}{_LATIN}]"
_NAME_ANY = f"[{_KANJI}{_KATAKANA}{_HIRAGANA}{_LATIN}]"

_INTRO_ENDING = r"[ \t]?(?:です|でござ|と申|といい|と言|って言い|っていい)"
_SELF_INTRO = re.compile(
    rf"(?:私|わたし|わたくし|僕|ぼく|自分)は[ \t]?"
    rf"(?P<name>{_NAME_STRICT}{{1,20}}(?:[ \t]{_NAME_STRICT}{{1,20}})?)"
    rf"(?={_INTRO_ENDING})"
)
# 「長崎市の山田と申します」: the name right before a self-introducing verb, without 私は.
_INTRODUCED = re.compile(
    rf"(?P<name>{_NAME_STRICT}{{1,12}}(?:[ \t]{_NAME_STRICT}{{1,8}})?)(?=[ \t]?(?:と申し|と申す|といいます|と言います))"
)
# 「山田太郎様」「田中 さん」「鈴木氏」. The honorific must not start another word (様子, 同様に, 氏名, 君が代).
_HONORIFIC = r"(?:さん|様(?![子々式相])|さま|サマ|氏(?![名族])|くん|君(?![がた])|ちゃん)"
_BEFORE_HONORIFIC = re.compile(
    rf"(?P<name>{_NAME_STRICT}{{1,12}}(?:[ \t]{_NAME_STRICT}{{1,8}})?)(?=[ \t]?{_HONORIFIC})"
)
# Who a citizen addresses with さん/様 without naming anyone: roles, ranks, relatives, organisations. A run
# that *ends* with one is a name only if at least two characters are left before it (田中課長 → 田中).
_ROLES = (
    "市長|副市長|知事|議員|議長|大臣|首相|総理|社長|会長|館長|園長|校長|院長|所長|局長|部長|次長|課長|係長|室長"
    "|班長|区長|町長|村長|店長|主任|先生|医者|職員|係員|担当|窓口|相手|業者|店員|市民|県民|住民|町民|皆|みな|客"
    "|奥|神|王|仏|殿|母|父|兄|姉|弟|妹|娘|息子|孫|嫁|婿|旦那|主人|家族|子供|子ども|近所|隣|大家|運転手|管理人"
    "|同|多|仕|模|異|一|各|某|彼|両|諸|貴|スタッフ|オペレーター|ヘルパー|ケアマネ|ドクター|ドライバー|コール"
    "|センター|市役所|役所|役場|議会|本人|個人|法人|学生|高校生|中学生|小学生|大学生|主婦|主夫|会社員|公務員"
    "|世話|苦労|馳走|愁傷|陰"  # お世話様, ご苦労様, ご馳走様, ご愁傷様, お陰様: set phrases, nobody named
)
_ROLE_TAIL = re.compile(rf"(?:{_ROLES}|[者員民課部局係室所館会社店園校院])$")
# A person's name never holds these: a run that does is a phrase (「市の事業」), not a name.
_NOT_IN_NAME = re.compile(r"[0-9]")
_NAME_FIELD = re.compile(
    rf"(?:お名前|名前|氏名|なまえ)[ \t]?(?:は|:|=)[ \t]?"
    rf"(?P<name>{_NAME_ANY}{{1,20}}(?:[ \t]{_NAME_ANY}{{1,20}})?)"
)
# The run after 名前は swallows the sentence ending too (「長崎太郎です」); cut it at the earliest ending.
_NAME_ENDING = re.compile(rf"(?:(?:です|でした|でござ|と申|といい|と言|って)[{_HIRAGANA}{_KANJI}]*|だよ?|で|さん)$")
# 「名前はどこに書けば…」 is a question about the form, not a name.
_INTERROGATIVE = re.compile(r"^(?:どう|どこ|何|なに|なん|いつ|誰|だれ|どの|どれ|いくつ)")

# Addresses. A place run is kanji/katakana (and の/ノ/ヶ/が as in 魚の町, 虹ヶ丘, 霞が関), up to three parts separated by
# one space; the house number after it decides. Kanji numerals appear before 丁目 (桜町二丁目).
_PLACE = f"[{_KANJI}{_KATAKANA}のノヶケが]"
_PLACE_RUN = rf"{_PLACE}{{1,20}}(?:[ \t]{_PLACE}{{1,20}}){{0,2}}"
_D = f"[{_DASHES}]"
_ROOM = rf"(?:{_D}[0-9]+|[ \t]?[0-9]+号室)?"
# Strong house numbers: 丁目 / 番地 / 番 + 号. They make an address even after a bare or no place name.
_HOUSE_STRONG = (
    rf"(?:[0-9一二三四五六七八九十]+丁目(?:[ \t]?[0-9]+(?:番地?|{_D}))?(?:[ \t]?[0-9]+号?)?"
    rf"|[0-9]+番地(?:[の{_DASHES}]?[0-9]+号?)?"
    rf"|[0-9]+番[ \t]?[0-9]+号?){_ROOM}"
)
# Weak house numbers (2-1, 4-1-3): an address only after a town name (see _TOWN).
_HOUSE_DASHED = rf"[0-9]+{_D}[0-9]+(?:{_D}[0-9]+)?{_ROOM}"
# (?<![0-9]): a house number starts where a digit run starts, which also keeps a long digit run from being
# re-scanned from each of its digits.
_ADDRESS = re.compile(
    rf"(?P<place>{_PLACE_RUN}[ \t]?)?(?<![0-9])(?:(?P<strong>{_HOUSE_STRONG})|(?P<dashed>{_HOUSE_DASHED}))(?![0-9])"
)
# The place run before a dashed number must name a town: it ends with 町/村/丁目, or is a city (市/区/郡)
# followed by a short town name with no の (長崎市滑石 3-5-1, not 市の事業1-2), and is not an office.
_TOWN = re.compile(rf"(?:[町村]|丁目|[市区郡][{_KANJI}{_KATAKANA}ヶケが]{{1,5}})[ \t]?$")
_OFFICE = re.compile(r"(?:役所|役場|課|部|局|係|室|館|事業|施策|計画|章|節|号|条|項|版|期|次)[ \t]?$")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(_EMAIL), EMAIL),
    (re.compile(_PHONE_INTL), PHONE),
    (re.compile(_PHONE_DOMESTIC), PHONE),
    (re.compile(_POSTAL), POSTAL_CODE),
)


def _normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """NFKC per character, plus for every normalised character the index of the original it came from.

    Per-character NFKC differs from whole-string NFKC only for combining sequences (e.g. half-width ｶﾞ),
    which never matter for digits, e-mail addresses or the name triggers.
    """
    pieces: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        normalised = char if char.isascii() else unicodedata.normalize("NFKC", char)
        pieces.append(normalised)
        offsets.extend([index] * len(normalised))
    return "".join(pieces), offsets


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_spans(normalised: str) -> list[tuple[int, int, str]]:
    """Every run of whole digit groups with 13-19 digits that passes Luhn. Cut from a longer run of groups
    too, so a card followed by another number (「4111 1111 1111 1111 2枚」) is still found; the 個人番号
    rule also matches its first 12 digits, and the merge in find_pii keeps the longer, card, label."""
    spans = []
    for run in _DIGIT_GROUPS.finditer(normalised):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in re.finditer(r"[0-9]+", run.group())]
        for i, (start, _) in enumerate(groups):
            digits = ""
            # Cards print in at most five groups (4-4-4-4-3); seven bounds the work on a run like 「1-1-1-…」.
            for group_start, group_end in groups[i : i + 7]:
                digits += normalised[group_start:group_end]
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and _luhn(digits):
                    spans.append((start, group_end, CARD))
    return spans


def _my_number_spans(normalised: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), MY_NUMBER) for m in _MY_NUMBER.finditer(normalised) if not _YEARS.fullmatch(m.group())]


def _address_spans(normalised: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in _ADDRESS.finditer(normalised):
        place = match["place"] or ""
        if match["dashed"] and (not _TOWN.search(place) or _OFFICE.search(place)):
            continue
        start = match.start() if place else match.start("strong")
        spans.append((start, match.end(), ADDRESS))
    return spans


def _person(run: str, before_role: bool) -> str | None:
    """The name in a run found before an honorific or a self-introduction, or None for a role or a
    phrase: 「市長」→ None, 「山田太郎」→ 「山田太郎」; 「田中課長」→ 「田中」 before an honorific
    (``before_role``), but None in 「私は長崎市民です」, which describes the citizen instead of naming them."""
    run = run.rstrip(" \t")
    if _NOT_IN_NAME.search(run):
        return None
    rest = run
    # Strip roles from the end, several if stacked (担当者 → 担当 → nothing; 田中課長 → 田中).
    while (tail := _ROLE_TAIL.search(rest)) is not None:
        rest = rest[: tail.start()].rstrip(" \t")
    if rest == run:
        return run
    return rest if before_role and len(rest.replace(" ", "")) >= 2 else None


def _contextual_name_spans(normalised: str) -> list[tuple[int, int, str]]:
    spans = []
    for pattern, before_role in ((_SELF_INTRO, False), (_INTRODUCED, False), (_BEFORE_HONORIFIC, True)):
        for match in pattern.finditer(normalised):
            name = _person(match["name"], before_role)
            if name:
                spans.append((match.start("name"), match.start("name") + len(name), NAME))
    return spans


def _name_spans(normalised: str) -> list[tuple[int, int, str]]:
    spans = _contextual_name_spans(normalised)
    for match in _NAME_FIELD.finditer(normalised):
        run = match["name"]
        if _INTERROGATIVE.match(run):
            continue
        ending = _NAME_ENDING.search(run)
        # An ending found at index 0 leaves nothing to mask (「名前はです」), which is handled below.
        length = ending.start() if ending else len(run)
        run = run[:length].rstrip(" \t")
        if run:
            spans.append((match.start("name"), match.start("name") + len(run), NAME))
    return spans


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, placeholder)`` in the *original* text, sorted and non-overlapping."""
    if not text:
        return []
    normalised, offsets = _normalise_with_offsets(text)
    found: list[tuple[int, int, str]] = []
    for pattern, label in _PATTERNS:
        found.extend((m.start(), m.end(), label) for m in pattern.finditer(normalised) if m.end() > m.start())
    found.extend(_card_spans(normalised))
    found.extend(_my_number_spans(normalised))
    found.extend(_address_spans(normalised))
    found.extend(_name_spans(normalised))

    # Back to original offsets: a span covers every original character that contributed to it.
    original = sorted(
        ((offsets[start], offsets[end - 1] + 1, label) for start, end, label in found if end > start),
        key=lambda span: (span[0], -(span[1] - span[0])),
    )
    # Overlaps (e.g. a bare 822-8888 inside 095-822-8888) are merged; the longer span names the result,
    # so the outer phone number is labelled as a phone number.
    merged: list[tuple[int, int, str]] = []
    for start, end, label in original:
        if merged and start < merged[-1][1]:
            last_start, last_end, last_label = merged[-1]
            keep = last_label if last_end - last_start >= end - start else label
            merged[-1] = (last_start, max(last_end, end), keep)
        else:
            merged.append((start, end, label))
    return merged


def mask_pii(text: str) -> str:
    """``text`` with phone numbers, e-mail addresses, card numbers, 個人番号, postal codes, addresses and
    names replaced by labelled placeholders (［電話番号］, ［メール］, ［カード番号］, ［個人番号］, ［郵便番号］,
    ［住所］, ［氏名］).

    >>> mask_pii("私は長崎太郎です。電話は０９５－８２２－８８８８です")
    '私は［氏名］です。電話は［電話番号］です'
    """
    spans = find_pii(text)
    if not spans:
        return text
    out: list[str] = []
    cursor = 0
    for start, end, label in spans:
        out.append(text[cursor:start])
        out.append(label)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
