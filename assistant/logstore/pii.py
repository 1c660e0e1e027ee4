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
* ［郵便番号］ postal codes: 〒850-8685, 〒8508685, and bare 850-8685 (a hyphen is required when there is no
  〒, so that plain 7-digit amounts are not touched). A bare 3-4 digit local phone number such as 822-8888 is
  masked too, under this label.
* ［氏名］ names in self-introductions: after 私は/わたしは/僕は only when followed by です/と申します/といいます
  (so 「私は長崎市に住んでいます」 keeps its meaning), and after 名前は/氏名は/お名前: up to the ending
  (です, と申します, punctuation, …).

Plan vocabulary is left alone on purpose: 令和7年度, 2027年度, 2025～2029年度, 20業務, H1-1/1/6, amounts and
dates do not start with 0 and 10 digits, do not have 12 digits, and have no 3-4 hyphen shape.

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

# Characters that people (and IMEs) put between digit groups. After NFKC, full-width －, ＿ and space
# become ASCII; the long-vowel mark ー and the various Unicode dashes survive NFKC, so they are listed.
_DASHES = r"\-‐‒–—―−ー─━"
_PHONE_SEP = rf"[ \t.(){_DASHES}]{{0,2}}"
_GROUP_SEP = rf"[ \t{_DASHES}]"

# Domestic: 0 + 9 or 10 more digits (10/11-digit Japanese numbers), any grouping. The lookarounds keep
# the match from starting or ending inside a longer digit run (a 12-digit 個人番号 is not a phone number).
_PHONE_DOMESTIC = rf"(?<![0-9])\(?0(?:{_PHONE_SEP}[0-9]){{9,10}}(?![0-9])"
# International: +81, an optional (0), then the national number without its leading 0 (9 or 10 digits).
_PHONE_INTL = rf"\+81{_PHONE_SEP}(?:\(0\){_PHONE_SEP})?\(?[1-9](?:{_PHONE_SEP}[0-9]){{8,9}}(?![0-9])"
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
_MY_NUMBER = rf"(?<![0-9])[0-9]{{4}}{_GROUP_SEP}?[0-9]{{4}}{_GROUP_SEP}?[0-9]{{4}}(?![0-9])"
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

_SELF_INTRO = re.compile(
    rf"(?:私|わたし|わたくし|僕|ぼく)は[ \t]?"
    rf"(?P<name>{_NAME_STRICT}{{1,20}}(?:[ \t]{_NAME_STRICT}{{1,20}})?)"
    rf"(?=です|でござ|と申|といい|と言)"
)
_NAME_FIELD = re.compile(
    rf"(?:お名前|名前|氏名|なまえ)[ \t]?(?:は|:|=)[ \t]?"
    rf"(?P<name>{_NAME_ANY}{{1,20}}(?:[ \t]{_NAME_ANY}{{1,20}})?)"
)
# The run after 名前は swallows the sentence ending too (「長崎太郎です」); cut it at the earliest ending.
_NAME_ENDING = re.compile(rf"(?:(?:です|でした|でござ|と申|といい|と言|って)[{_HIRAGANA}{_KANJI}]*|だよ?|で|さん)$")
# 「名前はどこに書けば…」 is a question about the form, not a name.
_INTERROGATIVE = re.compile(r"^(?:どう|どこ|何|なに|なん|いつ|誰|だれ|どの|どれ|いくつ)")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(_EMAIL), EMAIL),
    (re.compile(_PHONE_INTL), PHONE),
    (re.compile(_PHONE_DOMESTIC), PHONE),
    (re.compile(_MY_NUMBER), MY_NUMBER),
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


def _name_spans(normalised: str) -> list[tuple[int, int, str]]:
    spans = [(m.start("name"), m.end("name"), NAME) for m in _SELF_INTRO.finditer(normalised)]
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
    """``text`` with phone numbers, e-mail addresses, 個人番号, postal codes and introduced names replaced
    by labelled placeholders (［電話番号］, ［メール］, ［個人番号］, ［郵便番号］, ［氏名］).

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
