"""Evidence: the verbatim sentences (lines and bullets) of a row that answer the question, best first.

A row's 事業概要 is a purpose line (「○…する。」) and bullets, some dated (「・令和6年度：…」). An answer
quotes the line(s) that answer what was asked, never the whole row. Each line is scored by meaning (the
question's similarity to that sentence's own embedding), lifted a little by each of the question's topic
words it shares, by stating the kind of fact asked for (a number of years, a count, an amount: the aspects
of aspects.json) and, for a question about time, by being dated or covering the year asked. The weights are
on the cosine scale, where sentences of one row spread by about 0.05.
"""

from __future__ import annotations

from typing import Protocol

from assistant.answer.coverage import Aspect
from assistant.answer.types import Question
from assistant.corpus.models import Project, ScheduleEntry
from assistant.text import fold as normalize

SHORT_LINE = 60  # a bullet this short lacks the purpose; the purpose line is quoted with it
WORD_BONUS = 0.01  # per shared topic word (as in search.rank_lines)
ASPECT_BONUS = 0.04  # states the kind of fact the question asks for (「何年間」 → 「1年間の…」)
DATED_BONUS = 0.03  # a time question: the line is dated
YEAR_BONUS = 0.03  # ... and covers the year asked


class LineSearcher(Protocol):
    tokenizer: object

    def line_similarity(self, query: str, doc: str) -> dict[str, float]: ...

    def line_tokens(self, line: str) -> frozenset[str]: ...


class EvidenceRanker:
    def __init__(self, searcher: LineSearcher, aspects: list[Aspect]) -> None:
        self.searcher, self.aspects = searcher, aspects

    def scores(self, q: Question, project: Project) -> dict[str, float]:
        """Each line of the row with its evidence score (higher answers the question better)."""
        similarity = self.searcher.line_similarity(q.text, project.id)
        words = set(q.content_tokens)
        asked_text = normalize(q.text)
        asked = [a for a in self.aspects if a.asked(asked_text, q)]
        dated = {e.text: e for e in project.schedule}
        timed = q.intent == "when" or bool(q.years)
        scored = {}
        for line in project.summary_lines:
            score = similarity.get(line, -1.0) + WORD_BONUS * len(words & self.searcher.line_tokens(line))
            if any(a.stated(line) for a in asked):
                score += ASPECT_BONUS
            entry = dated.get(line)
            if timed and entry is not None:
                score += DATED_BONUS + (YEAR_BONUS if any(entry.covers(y) for y in q.years) else 0.0)
            scored[line] = score
        return scored

    def focus(self, q: Question, lines: list[str]) -> tuple[str, ...]:
        """What a long line is cut around: the question's topic words as written, and the fact it asks for
        as ``lines`` word it (「1年間」 for 「何年間」: the asked aspects' evidence patterns, found in them)."""
        asked_text = normalize(q.text)
        patterns = [p for a in self.aspects if a.asked(asked_text, q) for p in a.evidence]
        found = [m.group(0) for p in patterns for line in lines for m in p.finditer(line)]
        return tuple(dict.fromkeys([*found, *(w.surface for w in q.topic_words)]))

    def ranked(self, q: Question, project: Project) -> list[str]:
        """Every line of the row, best answer first (ties: plan order)."""
        scores = self.scores(q, project)
        lines = list(project.summary_lines)
        return sorted(lines, key=lambda line: (-scores[line], lines.index(line)))

    def best(self, q: Question, project: Project) -> list[str]:
        """The one line a who / when answer adds: what the caller asked about, beyond the 課 or the year."""
        return self.ranked(q, project)[:1]

    def entries(self, q: Question, project: Project) -> list[ScheduleEntry]:
        """The row's dated entries, the one answering the question first (「広報ツールはいつ新しくなる？」 →
        「令和6年度：プロモーション用広報ツールの刷新」, not every date of the row)."""
        entries = list(project.schedule)
        words = set(q.content_tokens)
        if q.since and not any(words & self.searcher.line_tokens(e.text) for e in entries):
            # 「それはいつから？」 with no words of its own: when it began, the row's first entry by year. With
            # words (「公園工事はいつから？」) the entry about them answers, as for any question of time.
            return sorted(entries, key=lambda e: (e.start_fy, entries.index(e)))
        scores = self.scores(q, project)
        return sorted(entries, key=lambda e: (-scores.get(e.text, -1.0), entries.index(e)))

    def lookup_lines(self, q: Question, project: Project) -> list[str]:
        """One or two lines answering a lookup, in plan order (as the row reads)."""
        lines = list(project.summary_lines)
        excerpts = self.ranked(q, project)[:2] or lines[:1]
        if all(len(line) < SHORT_LINE for line in excerpts) and lines and lines[0] not in excerpts:
            excerpts = [lines[0], excerpts[0]]  # bullets alone lack the purpose; the first line states it
        return sorted(excerpts, key=lines.index)
