"""Read the evaluation question set (JSON Lines, schema in ``tests/data/eval/README.md``) into dataclasses.

Validation collects every problem with its line number before failing, so a broken file is fixed in one
pass; :class:`DatasetError` is an :class:`AssistantError`, so the CLI prints it as one line.
Only the file's own consistency is checked here; whether gold names exist in the plan is checked when
gold is resolved against the plan (:func:`assistant.evaluation.metrics.resolve_gold`).
"""

from __future__ import annotations

import difflib
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

KINDS = ("lookup", "who", "when", "list", "policy", "followup", "out_of_scope")
PERSONAS = ("citizen", "callcenter", "staff")
LANGS = ("ja", "en")
REQUIRED = ("id", "persona", "lang", "question", "kind", "gold", "must_mention")
OPTIONAL = ("gold_policy", "after", "oos_kind")
# What kind of out-of-scope question (optional): a service the plan does not describe, a near miss that
# shares words with a plan row but asks what it does not say, or nothing to look up (greetings, nonsense).
OOS_KINDS = ("service", "near_miss", "nothing")
# 個別施策/取組方針 as used by Project.approach_key, and 基本施策/個別施策 codes for policy gold.
APPROACH_KEY = re.compile(r"^H\d+-\d+/\d+$")
POLICY_CODE = re.compile(r"^H\d+(?:-\d+)?$")


class DatasetWarning(UserWarning):
    """Fields the schema does not know (provenance such as ``source``, ``source_url``, notes): kept out of
    scoring and reported once per file."""


class DatasetError(AssistantError):
    """An evaluation file that does not follow the schema; ``problems`` lists every ``file:line: …``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True, slots=True)
class EvalItem:
    """One question of the set. ``line`` is its 1-based line in the file, for messages."""

    id: str
    persona: str
    lang: str
    question: str
    kind: str
    gold: tuple[str, ...]
    must_mention: tuple[str, ...]
    gold_policy: tuple[str, ...] = ()
    after: str | None = None
    oos_kind: str | None = None
    line: int = 0

    @property
    def in_scope(self) -> bool:
        return self.kind != "out_of_scope"


def _string_list(data: dict, field: str, problems: list[str], where: str) -> tuple[str, ...]:
    value = data.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: {field!r} must be a list of non-empty strings")
        return ()
    if len(set(value)) != len(value):
        problems.append(f"{where}: {field!r} repeats a value")
    return tuple(value)


def _unknown_fields(data: dict, where: str, problems: list[str]) -> list[str]:
    """Extra fields: annotations (``source``, notes) are allowed, but one that reads like a misspelt schema
    field (``gold_polcy``) would silently change scoring, so it is an error."""
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    for name in unknown:
        close = difflib.get_close_matches(name, REQUIRED + OPTIONAL, n=1, cutoff=0.8)
        if close:
            problems.append(f"{where}: unknown field {name!r} (did you mean {close[0]!r}?)")
    return unknown


def _check_item(data: dict, where: str, line: int, problems: list[str]) -> EvalItem | None:
    """Field-level checks of one decoded line; returns None when the line cannot become an item."""
    before = len(problems)
    missing = [f for f in REQUIRED if f not in data]
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(missing)}")
        return None
    for field in ("id", "question"):
        if not isinstance(data[field], str) or not data[field].strip():
            problems.append(f"{where}: {field!r} must be a non-empty string")
    for field, allowed in (("persona", PERSONAS), ("lang", LANGS), ("kind", KINDS)):
        if data[field] not in allowed:
            problems.append(f"{where}: {field} {data[field]!r} is not one of {', '.join(allowed)}")
    gold = _string_list(data, "gold", problems, where)
    must_mention = _string_list(data, "must_mention", problems, where)
    gold_policy = _string_list(data, "gold_policy", problems, where)
    kind = data["kind"]
    if kind == "out_of_scope":
        if gold or must_mention or gold_policy:
            problems.append(f"{where}: out_of_scope items need empty gold and must_mention and no gold_policy")
    elif not gold and isinstance(data["gold"], list):
        problems.append(f"{where}: {kind} item has empty gold")
    if kind == "policy":
        bad = [code for code in gold if not POLICY_CODE.match(code)]
        if bad:
            problems.append(f"{where}: policy gold must be codes like H2 or H2-1, got {', '.join(bad)}")
    bad_keys = [key for key in gold_policy if not APPROACH_KEY.match(key)]
    if bad_keys:
        problems.append(f"{where}: gold_policy must look like H2-1/1, got {', '.join(bad_keys)}")
    after = data.get("after")
    if kind == "followup" and not (isinstance(after, str) and after):
        problems.append(f"{where}: followup item needs 'after' (the id of an earlier item)")
    if kind != "followup" and after is not None:
        problems.append(f"{where}: only followup items may have 'after'")
    oos_kind = data.get("oos_kind")
    if oos_kind is not None and (kind != "out_of_scope" or oos_kind not in OOS_KINDS):
        problems.append(f"{where}: oos_kind must be one of {', '.join(OOS_KINDS)}, on out_of_scope items only")
    if len(problems) > before:
        return None
    return EvalItem(
        id=data["id"],
        persona=data["persona"],
        lang=data["lang"],
        question=data["question"],
        kind=kind,
        gold=gold,
        must_mention=must_mention,
        gold_policy=gold_policy,
        after=after,
        oos_kind=oos_kind,
        line=line,
    )


def parse_items(lines: Iterable[str], source: str = "<input>") -> list[EvalItem]:
    """Decode and validate JSON Lines; raise :class:`DatasetError` naming every bad line."""
    problems: list[str] = []
    items: list[EvalItem] = []
    first_line: dict[str, int] = {}
    extra: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{source}:{number}"
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{where}: expected a JSON object, got {type(data).__name__}")
            continue
        extra.update(_unknown_fields(data, where, problems))
        item = _check_item(data, where, number, problems)
        item_id = data.get("id")
        # Cross-line checks run on the raw id so one bad field does not hide a duplicate or dangling 'after'.
        if isinstance(item_id, str):
            if item_id in first_line:
                problems.append(f"{where}: duplicate id {item_id!r} (first on line {first_line[item_id]})")
            else:
                first_line[item_id] = number
        after = data.get("after")
        if isinstance(after, str) and after and after not in first_line:
            problems.append(f"{where}: 'after' {after!r} is not the id of an earlier item")
        elif isinstance(after, str) and after == item_id:
            problems.append(f"{where}: 'after' points to the item itself")
        if item is not None:
            items.append(item)
    if not items and not problems:
        problems.append(f"{source}: no items")
    if problems:
        raise DatasetError(problems)
    if extra:
        warnings.warn(f"{source}: field(s) not in the schema, not scored: {', '.join(sorted(extra))}",
                      DatasetWarning, stacklevel=2)  # fmt: skip
    return items


def load_dataset(path: str | Path) -> list[EvalItem]:
    """Read and validate an evaluation file (UTF-8 JSON Lines)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DatasetError([f"{path}: no such file"]) from exc
    except UnicodeDecodeError as exc:
        raise DatasetError([f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})"]) from exc
    return parse_items(text.splitlines(), source=str(path))


def load_datasets(paths: Iterable[str | Path]) -> list[EvalItem]:
    """Several files as one set (a tuning file and its out-of-scope bank); ids must be unique across them."""
    items: list[EvalItem] = []
    seen: dict[str, str] = {}
    problems: list[str] = []
    for path in paths:
        for item in load_dataset(path):
            if item.id in seen:
                problems.append(f"{path}:{item.line}: id {item.id!r} is also in {seen[item.id]}")
            seen.setdefault(item.id, str(path))
            items.append(item)
    if problems:
        raise DatasetError(problems)
    return items
