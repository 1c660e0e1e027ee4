"""Answer metrics: ask an answerer every question in conversation order and score its replies.

The answerer is duck-typed (the answering stage does not exist yet): ``answer(message, session_id)``
returns a reply with ``.session_id``, ``.answer`` (text), ``.answer_type`` (``"not_found"`` when the plan
does not cover the question), optionally ``.coverage`` and ``.confidence``, and ``.citations`` (objects or
dicts with ``id``, ``name``, ``excerpt``, ``departments``).

A reply is a *refusal* when its coverage is partly / not_covered / nothing (or, without a coverage field,
when its answer_type is not_found): right for an out-of-scope item, a refusal of an in-scope one. An answer
is *correct* when it is a refusal of an out-of-scope item, or an in-scope answer that cites a gold row and
shows every must_mention string; the reliability table gives the share correct per confidence label.

Conversation order: every item starts a new session except a follow-up, which is asked in its ``after``
item's session right after that item. When another follow-up already continued that session (two
follow-ups of one question), the chain up to ``after`` is replayed in a fresh session, unscored, so each
follow-up sees exactly the context it was written for.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from assistant.evaluation.dataset import EvalItem
from assistant.evaluation.metrics import (
    GoldTarget,
    contains_all,
    mean,
    names_in_text,
    percentile,
    precision_recall_f1,
)

TOP_CITATIONS = 3  # must_mention may be satisfied by the answer or by what the first citations show
FOLLOWUP_K = 5


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """Read a citation/reply field from a dict or an object alike."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def cited_text(reply: Any, top: int = TOP_CITATIONS) -> str:
    """Answer text plus the first citations' names, excerpts and departments, for must-mention checks."""
    parts = [_field(reply, "answer", "") or ""]
    for citation in list(_field(reply, "citations", []) or [])[:top]:
        parts.append(_field(citation, "name", "") or "")
        parts.append(_field(citation, "excerpt", "") or "")
        parts.extend(_field(citation, "departments", ()) or ())
    return "\n".join(parts)


def coverage_of(reply: Any) -> str:
    """covered | partly | not_covered | nothing; replies without the field are read from answer_type."""
    coverage = _field(reply, "coverage")
    if coverage:
        return str(coverage)
    return "not_covered" if _field(reply, "answer_type") == "not_found" else "covered"


def refused(reply: Any) -> bool:
    return coverage_of(reply) != "covered"


def confusion(records: Sequence[dict]) -> dict[str, dict[str, int]]:
    """Outcome counts per group (in_scope, and the out-of-scope kinds): rows of the confusion table."""
    table: dict[str, dict[str, int]] = {}
    for r in records:
        if r["kind"] == "followup":
            continue
        row = table.setdefault(r["group"], dict.fromkeys(("covered", "partly", "not_covered", "nothing"), 0))
        row[r["coverage"]] = row.get(r["coverage"], 0) + 1
    return table


def reliability(records: Sequence[dict]) -> dict[str, dict[str, float]]:
    """Per confidence label: how many answers carry it and the share of them that are correct."""
    table: dict[str, dict[str, float]] = {}
    for label in dict.fromkeys(str(r["confidence"]) for r in records):
        group = [r for r in records if str(r["confidence"]) == label]
        table[label] = {"n": len(group), "correct": round(mean(1.0 if r["correct"] else 0.0 for r in group), 4)}
    return table


def citation_ids(reply: Any) -> list[str]:
    return [str(_field(c, "id", "")) for c in _field(reply, "citations", []) or []]


class Conversation:
    """Asks items in sessions that follow the rules in the module docstring."""

    def __init__(self, answerer: Any, items: Sequence[EvalItem]) -> None:
        self.answerer = answerer
        self.by_id = {item.id: item for item in items}
        self.session_of: dict[str, str | None] = {}  # item id -> session it was (last) asked in
        self.last_asked: dict[str | None, str] = {}  # session -> id of the item asked last in it
        self.replayed = 0

    def _ask(self, item: EvalItem, session_id: str | None) -> tuple[Any, float]:
        started = time.perf_counter()
        reply = self.answerer.answer(item.question, session_id)
        took = (time.perf_counter() - started) * 1000
        session = _field(reply, "session_id")
        self.session_of[item.id] = session
        self.last_asked[session] = item.id
        return reply, took

    def _session_right_after(self, item_id: str) -> str | None:
        """A session whose last question is ``item_id``'s, replaying its chain when needed."""
        session = self.session_of.get(item_id)
        if session is not None and self.last_asked.get(session) == item_id:
            return session
        item = self.by_id[item_id]
        previous = self._session_right_after(item.after) if item.after else None
        self.replayed += 1
        reply, _ = self._ask(item, previous)
        return _field(reply, "session_id")

    def ask(self, item: EvalItem) -> tuple[Any, float]:
        session = self._session_right_after(item.after) if item.after else None
        return self._ask(item, session)


def gold_rows(plan: Any, targets: Sequence[GoldTarget]) -> list[Any]:
    ids = {doc for t in targets for doc in t.ids}
    return [p for p in plan.projects if p.id in ids]


def wrong_departments(answer: str, rows: Sequence[Any], departments: Sequence[str]) -> set[str]:
    """Departments the answer names that none of the gold rows has."""
    allowed = {d for row in rows for d in row.departments}
    return names_in_text(answer, departments) - allowed


def wrong_years(answer: str, rows: Sequence[Any]) -> list[int]:
    """Fiscal years the answer names that no schedule entry of the gold rows covers and their text does not
    state (「令和6年9月に策定した」 is a date of the row, though not a schedule entry)."""
    from assistant.corpus.wareki import years_in_text

    stated = {y for row in rows for y in years_in_text("\n".join(getattr(row, "summary_lines", ())))}
    return [
        y
        for y in years_in_text(answer)
        if y not in stated and not any(e.covers(y) for row in rows for e in row.schedule)
    ]


def evaluate_answers(
    plan: Any, items: Sequence[EvalItem], targets: dict[str, list[GoldTarget]], answerer: Any
) -> dict[str, Any]:
    """Answer metrics (see the module docstring); every item is asked once, in file order."""
    conversation = Conversation(answerer, items)
    departments = sorted(plan.department_counts)
    records = []
    for item in items:
        reply, took = conversation.ask(item)
        answer = _field(reply, "answer", "") or ""
        ids = citation_ids(reply)
        gold_ids = {doc for t in targets[item.id] for doc in t.ids}
        rows = gold_rows(plan, targets[item.id])
        record: dict[str, Any] = {
            "id": item.id,
            "kind": item.kind,
            "answer_type": _field(reply, "answer_type"),
            "citations": ids[:FOLLOWUP_K],
            "took_ms": took,
            "not_found": refused(reply),
            "coverage": coverage_of(reply),
            "confidence": _field(reply, "confidence"),
            "group": item.oos_kind or ("out_of_scope" if not item.in_scope else "in_scope"),
        }
        if item.in_scope:
            record["must_mention"] = contains_all(cited_text(reply), item.must_mention)
            record["correct"] = not record["not_found"] and record["must_mention"] and bool(gold_ids & set(ids))
        else:
            record["correct"] = record["not_found"]
        if item.kind == "followup":
            record["followup_hit@5"] = bool(gold_ids & set(ids[:FOLLOWUP_K]))
        if item.kind == "who":
            record["wrong_departments"] = sorted(wrong_departments(answer, rows, departments))
        if item.kind == "when":
            record["wrong_years"] = wrong_years(answer, rows)
        records.append(record)

    def share(field: str, kind: str | None = None) -> float | None:
        return mean((1.0 if r[field] else 0.0) for r in records if field in r and (kind is None or r["kind"] == kind))

    latencies = [r["took_ms"] for r in records]
    oos = precision_recall_f1([r["not_found"] for r in records], [r["kind"] == "out_of_scope" for r in records])
    return {
        "n": len(records),
        "must_mention": share("must_mention"),
        "must_mention_by_kind": {k: share("must_mention", k) for k in dict.fromkeys(r["kind"] for r in records)},
        "out_of_scope": oos,
        "refused_in_scope": sum(1 for r in records if r["not_found"] and r["kind"] != "out_of_scope"),
        "n_in_scope": sum(1 for r in records if r["kind"] != "out_of_scope"),
        "coverage": confusion(records),
        "reliability": reliability(records),
        "followup_recall@5": share("followup_hit@5"),
        "wrong_department": sum(1 for r in records if r.get("wrong_departments")),
        "wrong_year": sum(1 for r in records if r.get("wrong_years")),
        "n_who": sum(1 for r in records if r["kind"] == "who"),
        "n_when": sum(1 for r in records if r["kind"] == "when"),
        "replayed_turns": conversation.replayed,
        "timing": {"p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95)},
        "items": records,
    }
