"""和暦 (Japanese era years) ↔ fiscal years, and schedule mentions found in project text.

令和N年度 = fiscal year 2018+N, 平成N年度 = 1988+N (元 = 1). Fiscal years run April–March, so a
fiscal year is named by the calendar year it starts in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from assistant.corpus.models import ScheduleEntry

ERA_OFFSETS: dict[str, int] = {"令和": 2018, "平成": 1988}
_ERA = "(?:令和|平成)"
_NUM = r"(?:元|\d{1,2})"
_OPEN = r"(?:以降|～|〜|~|から)"
_DASH = r"\s*[～〜~\-－ー]\s*"

# One pattern for every written form seen in the plan, longest first:
#   令和5～7年度, 令和8～令和13年度, 平成29～令和4年度, 令和7年度末, 令和9年度以降, 令和4年度～, 令和7年度
SCHEDULE_PATTERN = re.compile(
    rf"(?P<era>{_ERA})(?P<start>{_NUM})(?:年度)?"
    rf"(?:{_DASH}(?P<era2>{_ERA})?(?P<end>{_NUM})(?=年度))?"
    rf"年度(?P<tail>末|{_OPEN})?"
)


def era_to_year(era: str, number: str) -> int:
    """``("令和", "9")`` → 2027. Full-width digits are accepted."""
    value = 1 if number == "元" else int(unicodedata.normalize("NFKC", number))
    return ERA_OFFSETS[era] + value


def to_wareki(fiscal_year: int) -> str:
    """2027 → ``令和9年度``; years before 2019 are given in 平成."""
    if fiscal_year >= 2019:
        n = fiscal_year - ERA_OFFSETS["令和"]
        return f"令和{'元' if n == 1 else n}年度"
    n = fiscal_year - ERA_OFFSETS["平成"]
    return f"平成{'元' if n == 1 else n}年度"


def format_fiscal_year(fiscal_year: int) -> str:
    """Both forms, as answers give them: ``令和9年度（2027年度）``."""
    return f"{to_wareki(fiscal_year)}（{fiscal_year}年度）"


def format_span(start_fy: int, end_fy: int | None) -> str:
    """A schedule span in both forms: single year, closed range or open end."""
    if end_fy is None:
        return f"{format_fiscal_year(start_fy)}以降"
    if end_fy == start_fy:
        return format_fiscal_year(start_fy)
    return f"{format_fiscal_year(start_fy)}～{format_fiscal_year(end_fy)}"


def extract_schedule(lines: Iterable[str]) -> list[ScheduleEntry]:
    """Every fiscal-year mention in ``lines``, with the line that holds it as its text.

    Calendar-year history such as 「平成4年以降、…見直しが行われていない」 is not a schedule and is left
    out on purpose: only 年度 expressions are plans of the city's fiscal calendar.
    """
    entries: list[ScheduleEntry] = []
    for line in lines:
        for match in SCHEDULE_PATTERN.finditer(line):
            start = era_to_year(match["era"], match["start"])
            if match["end"] is not None:
                end: int | None = era_to_year(match["era2"] or match["era"], match["end"])
            elif match["tail"] in ("以降", "～", "〜", "~", "から"):
                end = None
            else:
                end = start
            if end is not None and end < start:
                start, end = end, start
            text = _sentence_at(line, match.start())
            entries.append(ScheduleEntry(start_fy=start, end_fy=end, text=text, label=match.group(0)))
    return entries


def _sentence_at(line: str, position: int) -> str:
    """The sentence (up to and including 。) of ``line`` that holds ``position``, stripped."""
    for sentence in re.finditer(r"[^。]+。?", line):
        if sentence.start() <= position < sentence.end():
            return sentence.group(0).strip()
    return line


# --- years in user questions -------------------------------------------------------------------

_QUERY_WAREKI = re.compile(rf"(?P<era>{_ERA})\s*(?P<n>{_NUM})\s*年")
_QUERY_SHORT = re.compile(r"(?<![A-Za-z])[RrＲｒ]\s*(?P<n>\d{1,2})(?:\s*年)?(?![0-9A-Za-z])")
_QUERY_SEIREKI = re.compile(r"(?P<y>20\d{2}|19\d{2})\s*(?:年|fy|FY)?")
_QUERY_FY = re.compile(r"(?:FY|fy|Fy)\s*(?P<y>20\d{2})")


def years_in_text(text: str) -> list[int]:
    """Fiscal years named in free text: 令和9年度, R9, 2027年度, FY2027 (in order, no duplicates)."""
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, int]] = []
    for m in _QUERY_WAREKI.finditer(text):
        found.append((m.start(), era_to_year(m["era"], m["n"])))
    for m in _QUERY_SHORT.finditer(text):
        found.append((m.start(), ERA_OFFSETS["令和"] + int(m["n"])))
    for pattern in (_QUERY_FY, _QUERY_SEIREKI):
        for m in pattern.finditer(text):
            found.append((m.start(), int(m["y"])))
    years: list[int] = []
    for _, year in sorted(found):
        if year not in years:
            years.append(year)
    return years


# Relative years (「今年」「来年度」「this year」) depend on the day asked. Japanese fiscal years start in
# April, so in January 2027 「今年度」 is still FY2026; a citizen's 「今年」 is read the same way, since the
# plan only speaks in fiscal years. Longest words first, so 「再来年」 is not read as 「来年」.
_RELATIVE_YEARS = (
    ("再来年度", 2), ("再来年", 2), ("来年度", 1), ("来年", 1), ("今年度", 0), ("本年度", 0), ("今年", 0),
    ("昨年度", -1), ("前年度", -1), ("昨年", -1), ("去年", -1),
    ("this fiscal year", 0), ("this year", 0), ("next fiscal year", 1), ("next year", 1),
    ("last fiscal year", -1), ("last year", -1),
)  # fmt: skip
# 「今年度」「来年度」 always name a fiscal year. 今年・来年・再来年 (the present and the future, what a plan is
# asked about) count wherever they stand. 去年・昨年 only count before a particle or at the end:
# 「去年NPOば立ち上げた」「去年、立ち上げた」 tell the asker's own story, not a year of the plan.
_PAST_PARTICLE = r"(?=は|の|に|も|で|から|まで|って|[?？。!！]|$)"
_PAST_WORDS = ("去年", "昨年")
_RELATIVE_PATTERNS = [
    (
        re.compile(
            rf"\b{re.escape(word)}\b"
            if word.isascii()
            else re.escape(word) + (_PAST_PARTICLE if word in _PAST_WORDS else "")
        ),
        offset,
    )
    for word, offset in _RELATIVE_YEARS
]


def fiscal_year_of(day: date) -> int:
    """The Japanese fiscal year (April–March) a day falls in."""
    return day.year if day.month >= 4 else day.year - 1


def _relative_matches(text: str) -> tuple[list[tuple[int, int]], str]:
    """(position, offset in years) of each relative-year phrase, and the text with them blanked out
    (blanked as they are found, so 「来年度」 is not also read as 「来年」)."""
    text = unicodedata.normalize("NFKC", text).lower()
    found: list[tuple[int, int]] = []
    for pattern, offset in _RELATIVE_PATTERNS:
        found.extend((m.start(), offset) for m in pattern.finditer(text))
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return sorted(found), text


def relative_years_in_text(text: str, today: date) -> list[int]:
    """Fiscal years named relative to ``today``: 今年度 → the current one, 来年度 → the next (no duplicates)."""
    current = fiscal_year_of(today)
    years: list[int] = []
    for _, offset in _relative_matches(text)[0]:
        if current + offset not in years:
            years.append(current + offset)
    return years


def without_relative_years(text: str) -> str:
    """The text with its relative-year phrases blanked (「this year」 holds 'this' but points nowhere)."""
    return _relative_matches(text)[1]


def without_years(text: str) -> str:
    """The text with every year expression blanked (令和8年度, R8, 2026年度, FY2026, 来年度): what is left
    is the topic, for a search that takes the year as a facet rather than as words to match."""
    text = without_relative_years(text)
    for pattern in (_QUERY_WAREKI, _QUERY_SHORT, _QUERY_FY, _QUERY_SEIREKI):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return re.sub(r"(?<= )度", " ", text)  # the 度 of 年度 after a blanked 令和8年
