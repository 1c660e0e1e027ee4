"""Everyday vocabulary per plan row (``corpus/everyday.json``): the words residents use for what a row is
about (「市の広報誌」 for 広報ながさき, 「パソコン作業の自動化」 for RPA).

Written from the plan text and general knowledge, editable by city staff, and never quoted: the index adds
the words to the row's searchable text (BM25 and the row's embedding), while answers cite only plan lines.
Each entry names its row by id *and* 事業名, so an edition that renumbers rows is caught, not misapplied.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.corpus.plan import Plan
from assistant.errors import CorpusError

EVERYDAY_FILE = "everyday.json"


def read_everyday(path: Path) -> list[dict]:
    """The entries of an everyday-vocabulary file (``[]`` when there is none)."""
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["rows"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{path.name}: not an everyday-vocabulary file ({exc})") from exc
    return rows


def everyday_words(plan: Plan, rows: list[dict], source: str = EVERYDAY_FILE) -> dict[str, tuple[str, ...]]:
    """Project id → its everyday words, checked against the plan: every entry must name an existing row
    by its id and exact 事業名, and words must be non-empty strings."""
    words: dict[str, tuple[str, ...]] = {}
    problems = []
    for n, row in enumerate(rows, start=1):
        project = plan.project(str(row.get("id", "")))
        if project is None or project.name != row.get("name"):
            problems.append(f"entry {n} ({row.get('id')!r}, {row.get('name')!r}) names no row of the plan")
            continue
        values = row.get("words")
        if not isinstance(values, list) or not all(isinstance(w, str) and w.strip() for w in values):
            problems.append(f"entry {n} ({project.id}): 'words' must be a list of non-empty strings")
            continue
        words[project.id] = tuple(dict.fromkeys(w.strip() for w in values))
    if problems:
        raise CorpusError(f"{source}: " + "; ".join(problems))
    return words


def load_everyday(plan: Plan, corpus_dir: Path | str) -> dict[str, tuple[str, ...]]:
    path = Path(corpus_dir) / EVERYDAY_FILE
    return everyday_words(plan, read_everyday(path), path.name)
