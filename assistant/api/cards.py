"""The call-center answer card, built on the server for the page without JavaScript.

``web/static/callcenter.js`` fills the same card from /api/chat when scripts run; both follow one rule:
担当課 and 事業名 come from the project rows cited (a policy answer falls back to its node), at most three
names are spelled out, and a refusal shows the plan's scope instead of a department.
"""

from __future__ import annotations

from assistant.answer.types import Reply, cited_rows
from assistant.api.templating import source_label

MAX_NAMES = 3


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def operator_card(reply: Reply) -> dict:
    """What the read-aloud card shows for one reply (plain strings; the template escapes them)."""
    rows = cited_rows(reply.citations)
    main = [row for row in rows if row["kind"] == "project"] or rows
    departments = _unique([d for row in main for d in row["departments"]])
    names = _unique([row["name"] for row in main])
    name_text = "、".join(names[:MAX_NAMES]) + (f" ほか{len(names) - MAX_NAMES}件" if len(names) > MAX_NAMES else "")
    refused = reply.coverage != "covered"
    dept_text = "—（計画の範囲外）" if refused else ("、".join(departments) or "—")
    partly = reply.coverage == "partly"
    return {
        "answer": reply.answer,
        "detail": reply.detail,
        "low_confidence": reply.confidence == "low",
        "coverage": reply.coverage,
        "refused": refused and reply.coverage != "nothing",
        "departments": dept_text,
        "names": "—" if refused else (name_text or "—"),
        "handoff_title": "お尋ねの点は計画に記載がありません" if partly else "計画に記載がありません",
        "evidence_title": "関連する計画の記載" if partly else "根拠となる計画の記載",
        "citations": [row | {"source_text": "出典：" + source_label(row["source"])} for row in rows],
    }
