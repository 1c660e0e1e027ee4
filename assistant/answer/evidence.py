"""Evidence: the verbatim sentences (lines and bullets) of a row that answer the question, best first.

A row's 事業概要 is a purpose line (「○…する。」) and bullets, some dated (「・令和6年度：…」). An answer
quotes the line(s) that answer what was asked, never the whole row: the line closest in meaning (the
search stage scores every sentence), lifted by the question's own words, and by the kind of fact asked
— a year, a duration or a number — when the question asks for one.
"""

from __future__ import annotations

from typing import Protocol

from assistant.answer.types import Question
from assistant.corpus.models import Project
from assistant.retrieval.types import Hit

SHORT_LINE = 60  # a bullet this short lacks the purpose; the purpose line is quoted with it


class LineRanker(Protocol):
    tokenizer: object

    def rank_lines(self, lines: list[str], query_tokens: set[str], similarity=None) -> list[str]: ...


class EvidenceRanker:
    def __init__(self, searcher: LineRanker) -> None:
        self.searcher = searcher

    def ranked(self, q: Question, project: Project, hit: Hit | None = None) -> list[str]:
        """Every line of the row, best answer first (a search hit already ranked them by meaning)."""
        lines = list(project.summary_lines)
        if hit is not None and hit.excerpt in lines:
            head = [hit.excerpt] + ([hit.runner_up] if hit.runner_up in lines else [])
            return head + [line for line in lines if line not in head]
        tokens = set(self.searcher.tokenizer(q.text))
        return self.searcher.rank_lines(lines, tokens)

    def lines(self, q: Question, project: Project) -> list[str]:
        """The one line of a row a who / when answer adds: the best by the question's words, if any."""
        ranked = self.ranked(q, project)
        return ranked[:1]

    def lookup_lines(self, q: Question, project: Project, hit: Hit | None) -> list[str]:
        """One or two lines answering a lookup, in plan order (as the row reads)."""
        lines = list(project.summary_lines)
        excerpts = self.ranked(q, project, hit)[:2] or lines[:1]
        if all(len(line) < SHORT_LINE for line in excerpts) and lines and lines[0] not in excerpts:
            excerpts = [lines[0], excerpts[0]]  # bullets alone lack the purpose; the first line states it
        return sorted(excerpts, key=lines.index)
