"""Step 3 of answering: compose the reply from what was resolved — every sentence frame and suggestion.

The frames themselves (「…は…が担当しています。」, listings, the refusal) live in :mod:`frames`; this module
picks the frame for a :class:`Resolved` shape, writes the list headings, adds the hand-off where the answer
is not certain, and the follow-up suggestions. Everything quoted comes from the resolved rows, verbatim.
"""

from __future__ import annotations

import secrets

from assistant.answer import frames
from assistant.answer.short import short_answer
from assistant.answer.types import AnswerType, Citation, ListAbout, Question, Reply, Resolved
from assistant.corpus.plan import Plan

DEFAULT_SUGGESTIONS = ["コールセンターの担当課は？", "自治会の活動を支援する事業は？", "DX推進課の事業を一覧で"]
EN_SUGGESTIONS = ["Who runs the call center?", "Projects of DX推進課", "What is the goal of H3?"]
ANSWER_TYPES: dict[str, AnswerType] = {
    "who": "who", "when": "when", "lookup": "lookup", "lookup_year": "lookup", "list": "list",
    "count": "count", "policy": "policy", "none_in_year": "list", "choices": "lookup",
    "not_covered": "not_found", "partly": "not_found", "nothing": "not_found",
}  # fmt: skip


class Composer:
    def __init__(self, plan: Plan, handoff: dict) -> None:
        self.plan, self.handoff = plan, handoff

    def reply(self, q: Question, r: Resolved, channel: str = "citizen") -> Reply:
        text, citations = self.body(q, r, channel)
        short = short_answer(q, r, text)
        if r.related:
            more, more_citations = frames.related(r.related, q.lang)
            text += "\n" + more
            citations = citations + more_citations  # project_ids stay the main row's: follow-ups refer to it
        if r.guessed:
            # The one warning of a short answer is the confidence the page shows; the long form says it.
            text = frames.uncertain_prefix(q.lang) + text
        answer_type = "who" if r.about is not None and r.about.kind == "who_previous" else ANSWER_TYPES[r.shape]
        ids = r.ids if r.ids is not None else [p.id for p in r.projects]
        return Reply(
            session_id="",
            message_id=secrets.token_hex(8),
            answer=short or text,
            detail=text if short and short != text else "",
            answer_type=answer_type,
            confidence=r.confidence,
            coverage=r.coverage,
            citations=citations,
            handoff=self.handoff if r.confidence != "high" and r.coverage != "nothing" else None,
            suggestions=self.suggestions(q, answer_type, ids),
            choices=self.choices(q, r),
            lang=q.lang,
            project_ids=ids,
        )

    def body(self, q: Question, r: Resolved, channel: str) -> tuple[str, list[Citation]]:
        lang, projects = q.lang, r.projects
        match r.shape:
            case "who":
                return frames.who(projects, lang, r.evidence)
            case "when":
                parts = [frames.when(p, lang, r.years, r.evidence.get(p.id)) for p in projects[:5]]
                return "\n".join(t for t, _ in parts), [c for _, cs in parts for c in cs]
            case "list" | "count":
                return self.listing(q, r)
            case "lookup":
                return frames.lookup(projects[0], r.evidence.get(projects[0].id, []), lang)
            case "lookup_year":
                p = projects[0]
                return frames.lookup_year(p, r.years, lang) or frames.when(p, lang, r.years)
            case "policy":
                return frames.policy(self.plan, r.node, lang)
            case "choices":
                return frames.choices(projects, r.evidence, lang)
            case "none_in_year":
                return frames.none_in_year(r.years[0], projects, lang)
            case "partly":
                line = r.evidence[projects[0].id][0]
                return frames.partly(r.missing, (projects[0], line), self.handoff, lang, channel)
            case "nothing":
                return frames.rephrase(lang), []
        return frames.not_found(self.handoff, lang, channel), []

    def listing(self, q: Question, r: Resolved) -> tuple[str, list[Citation]]:
        about = r.about or ListAbout("matching")
        count_only = r.shape == "count"
        year = about.year
        excerpts = {p.id: frames.schedule_line(p, year) for p in r.projects} if year else {}
        if about.kind == "facets":
            desc = frames.describe_filters(
                about.departments, about.policy, about.tags, year, about.starts, self.plan, q.lang
            )
            if about.narrowed:
                desc = frames.narrowed_description(desc, q.lang)
            return frames.listing(r.projects, desc, q.lang, count_only=count_only, excerpts=excerpts)
        if about.kind == "approach":
            desc = frames.approach_description(r.projects[0], q.lang)
            return frames.listing(r.projects, desc, q.lang, count_only=count_only)
        desc = self.list_description(about, q.lang)
        return frames.listing(r.projects, desc, q.lang, count_only=count_only, phrase=True, excerpts=excerpts)

    def list_description(self, about: ListAbout, lang: str) -> str:
        """The heading of a list that is not a facet's: 「前の回答のうち令和8年度に記載のある事業」 …"""
        if about.kind == "previous_year":
            desc = frames.describe_filters((), None, (), about.year, False, self.plan, lang)
            return f"前の回答のうち{desc}に記載のある事業" if lang == "ja" else desc
        if lang == "en":
            return "the previous answer, with departments" if about.kind == "who_previous" else "your question"
        return {
            "previous": "前の回答のうち、お尋ねに該当する事業",
            "who_previous": "前の回答の事業と担当課",
            "query": "「" + about.text.strip()[:30] + "」に関連する主要事業",
        }.get(about.kind, "お尋ねに該当する事業")

    @staticmethod
    def choices(q: Question, r: Resolved) -> list[str]:
        """One follow-up per close row, asking what was asked about that row by name (the reader then finds
        it as a named row): 「広報戦略推進事業の担当は？」."""
        if r.shape != "choices":
            return []
        ask = {"who": "{}の担当は？", "when": "{}はいつ？"}.get(q.intent, "{}について教えて")
        if q.lang == "en":
            ask = {"who": "Who handles {}?", "when": "When is {}?"}.get(q.intent, "Tell me about {}")
        return [ask.format(p.name) for p in r.projects]

    def suggestions(self, q: Question, answer_type: str, ids: list[str]) -> list[str]:
        if answer_type == "not_found" or not ids:
            return EN_SUGGESTIONS if q.lang == "en" else DEFAULT_SUGGESTIONS
        if len(ids) == 1:
            name = self.plan.project(ids[0]).name
            if q.lang == "en":
                return ["Who is in charge?", "When does it start?"]
            options = {"who": "いつから？", "when": "担当はどこ？", "lookup": "担当はどこ？"}
            return [
                options.get(answer_type, "担当はどこ？"),
                f"{name}の予定は？" if answer_type != "when" else "詳しく教えて",
            ]
        return ["その中で担当課は？"] if q.lang == "ja" else ["Who handles them?"]
