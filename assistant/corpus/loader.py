"""Read every ``*.txt`` file of a corpus folder into one :class:`Plan`."""

from __future__ import annotations

from pathlib import Path

from assistant.corpus.everyday import load_everyday
from assistant.corpus.parser import parse_text
from assistant.corpus.plan import Plan
from assistant.errors import CorpusError


def load_plan(corpus_dir: Path | str, *, strict: bool = False) -> Plan:
    """Parse all plan files in ``corpus_dir`` (sorted by name; README and other files are skipped), with
    the folder's everyday vocabulary (``everyday.json``, optional).

    Raises :class:`CorpusError` when the folder has no plan file, a file is not UTF-8, or (strict) a
    line cannot be placed. Codes must be unique across files: a chapter given twice is an error.
    """
    folder = Path(corpus_dir)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    files = sorted(p for p in folder.glob("*.txt") if p.is_file())
    if not files:
        raise CorpusError(f"no plan files (*.txt) in {folder}")
    basics, texts, issues = [], {}, []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        result = parse_text(text, path.name, strict=strict)
        if not result.basic_policies:
            raise CorpusError(f"{path.name}: no 基本施策 heading found; is this a plan file?")
        basics.extend(result.basic_policies)
        issues.extend(result.issues)
        texts[path.name] = text
    seen: set[str] = set()
    for basic in basics:
        if basic.code in seen:
            raise CorpusError(f"基本施策 {basic.code} appears in more than one place ({basic.source.file})")
        seen.add(basic.code)
    plan = Plan(basic_policies=basics, texts=texts, issues=issues)
    plan.everyday = load_everyday(plan, folder)  # residents' words per row, for the index only
    return plan
