"""Short first: the one sentence that answers, read aloud by an operator or shown in a phone bubble.

The API's ``answer`` is this sentence (about 120 characters at most); the longer form (every dated entry,
the whole list, related rows) goes to ``detail`` and the plan text to the citations. A quoted plan line is
quoted verbatim: a long one is cut at a clause boundary (「、」「。」), which keeps it a substring of the plan,
and the cut is marked outside the quotation marks. Bullet marks (「○」「・」) are not part of the sentence.
"""

from __future__ import annotations

import re

from assistant.answer.frames import answering_entries, departments_text, goal_phrase
from assistant.answer.types import Question, Resolved
from assistant.corpus.wareki import format_fiscal_year, format_span

QUOTE_CHARS = 70  # a quoted line longer than this is cut at the last clause boundary before it
LIST_NAMES = 3  # a list's short form names its first few rows


def _clauses(text: str) -> list[str]:
    """The text cut after each 「、」 and 「。」 (the pieces join back to the text)."""
    pieces = re.split(r"(?<=[、。])", text)
    return [piece for piece in pieces if piece]


def quote(line: str, focus: tuple[str, ...] = (), limit: int = QUOTE_CHARS) -> str:
    """「line」 without its bullet; a long line is cut to the run of clauses around the one with the most
    ``focus`` words (the question's topic words, the fact asked for), 「…」 marking each cut."""
    text = line.lstrip("○・●◎※ 　")
    if len(text) <= limit:
        return f"「{text}」"
    clauses = _clauses(text)
    # the fact asked for (listed first in ``focus``) outweighs the topic words
    hits = [sum((len(focus) - n) * (word in clause) for n, word in enumerate(focus)) for clause in clauses]
    best = max(range(len(clauses)), key=lambda i: (hits[i], -i))
    start = end = best
    size = len(clauses[best])
    while True:  # grow around the best clause, preferring what follows (a purpose reads forward)
        if end + 1 < len(clauses) and size + len(clauses[end + 1]) <= limit:
            end += 1
            size += len(clauses[end])
        elif start > 0 and size + len(clauses[start - 1]) <= limit:
            start -= 1
            size += len(clauses[start])
        else:
            break
    body = "".join(clauses[start : end + 1])[: limit if start == end else None]
    return ("「…" if start > 0 else "「") + body + ("…」" if end < len(clauses) - 1 or len(body) < size else "」")


def who(r: Resolved, lang: str) -> str:
    if len(r.projects) > 1:
        return ""
    p = r.projects[0]
    return (
        f"{p.name} is handled by {departments_text(p, lang)}."
        if lang == "en"
        else f"{p.name}の担当は{departments_text(p, lang)}です。"
    )


def when(r: Resolved, lang: str) -> str:
    if len(r.projects) > 1:
        return ""
    p = r.projects[0]
    texts = r.evidence.get(p.id, [])
    entries = answering_entries(p, r.years, texts)
    if not entries:  # no date to give: say so, with the row's line closest to the question
        line = texts[0] if texts else None
        if lang == "en":
            return f"The plan gives no specific fiscal years for {p.name} ({departments_text(p, lang)})."
        if line is None:
            return f"{p.name}について、計画には具体的な年度の記載がありません。"
        return f"{p.name}について、計画に具体的な年度の記載はなく、{quote(line, r.focus)}とされています。"
    e = entries[0]
    span = format_span(e.start_fy, e.end_fy)  # both forms, 令和9年度（2027年度）, whatever the line says
    if lang == "en":
        return f"{span}: {quote(e.text, r.focus)} ({p.name}, {departments_text(p, lang)})."
    return f"{span}：{quote(e.text, r.focus)}（{p.name}、担当：{departments_text(p, lang)}）。"


def lookup(r: Resolved, lang: str) -> str:
    p = r.projects[0]
    lines = r.evidence.get(p.id) or list(p.summary_lines[:1])
    if not lines:
        return ""
    if lang == "en":
        return f"{p.name} ({departments_text(p, lang)}): the plan says {quote(lines[0], r.focus)}."
    return f"計画では{quote(lines[0], r.focus)}とされています（{p.name}、担当：{departments_text(p, lang)}）。"


def lookup_year(r: Resolved, lang: str) -> str:
    p = r.projects[0]
    entries = [e for e in p.schedule if any(e.covers(y) for y in r.years)]
    asked = "、".join(format_fiscal_year(y) for y in r.years)
    if not p.schedule:
        return when(r, lang)
    if not entries:
        if lang == "en":
            return f"The plan says nothing about {asked} for {p.name} ({departments_text(p, lang)})."
        return f"{p.name}について、計画には{asked}の記載はありません。"
    if lang == "en":
        return f"For {asked}, the plan says about {p.name}: {quote(entries[0].text, r.focus)}."
    return f"{p.name}の{asked}について、計画では{quote(entries[0].text, r.focus)}とされています。"


def listing(r: Resolved, head: str, lang: str) -> str:
    """The list's heading sentence (「DX推進課の主要事業は9件です。」), where they sit in the plan when
    they share one 取組方針 or 個別施策 (what the set is for), and its first few names."""
    if not r.projects:
        return head
    paths = {(p.path.policy_code, p.path.approach_number) for p in r.projects}
    first = r.projects[0].path
    if len(paths) == 1:
        place = (
            f"{first.policy_code}「{first.policy_title}」＞取組方針{first.approach_number}「{first.approach_title}」"
        )
    elif len({code for code, _ in paths}) == 1:
        place = f"{first.policy_code}「{first.policy_title}」"
    else:
        place = ""
    if r.shape == "count":
        return head
    names = [p.name for p in r.projects[:LIST_NAMES]]
    more = len(r.projects) > LIST_NAMES
    if lang == "en":
        return f"{head} They include {', '.join(names)}{', …' if more else ''}{f' ({place})' if place else ''}."
    where = f"（{place}）" if place else ""
    return f"{head}{'、'.join(names)}{'など' if more else ''}です{where}。"


def policy(r: Resolved, q: Question) -> str:
    """The goal (めざす姿); or, when the question asks for the parts (「H2-1にはどんな取組方針が？」), them."""
    node, lang = r.node, q.lang
    if node is None or node.goal is None:
        return ""
    children = [p.title for p in node.policies] if hasattr(node, "policies") else [a.title for a in node.approaches]
    level = "policy" if hasattr(node, "policies") else "approach"
    if q.policy_level is not None and q.policy_level != ("basic" if level == "policy" else "policy"):
        label = {"policy": "個別施策", "approach": "取組方針"}[level]
        if lang == "en":
            return f"{node.code} {node.title} has {len(children)} parts: {'; '.join(children)}."
        return f"{node.code}の{label}は「{'」「'.join(children)}」の{len(children)}つです。"
    goal = goal_phrase(node)
    if lang == "en":
        return f"{node.code} {node.title}. Goal (めざす姿): {goal}"
    return f"{node.code}「{node.title}」のめざす姿は{goal}です。"


def choices(r: Resolved, q: Question) -> str:
    """The close rows by name (with their 課 when the 課 is what was asked), and the question back."""
    lang = q.lang
    named = [f"{p.name}（{departments_text(p, lang)}）" if q.intent == "who" else p.name for p in r.projects]
    if lang == "en":
        return f"Your question fits {len(named)} projects about equally: {'; '.join(named)}. Which one do you mean?"
    return f"お尋ねに近い事業が{len(named)}件あります。{'、'.join(named)}のどれについてですか。"


def short_answer(q: Question, r: Resolved, text: str) -> str:
    """The short sentence for a resolved answer, given its full ``text``; "" when the full text is the
    short form already (a refusal, a none-in-year answer) or several rows leave no single sentence."""
    lines = text.splitlines()
    match r.shape:
        case "partly":  # what the plan does not say, and where to turn; the near row is a citation
            return "\n".join(lines[:1] + lines[2:])
        case "policy":
            return policy(r, q)
        case "who":
            return who(r, q.lang)
        case "when":
            return when(r, q.lang)
        case "lookup":
            return lookup(r, q.lang)
        case "lookup_year":
            return lookup_year(r, q.lang)
        case "choices":
            return choices(r, q)
        case "list" | "count":
            return listing(r, lines[0] if lines else "", q.lang)
    return ""
