"""Line parser: one plan text file → 基本施策 / 個別施策 / 取組方針 / 主要事業 records.

The extracted text is messy (``個別施策 H 1 - 1``, ``基本施策<TAB>H 1``, missing ``----`` underlines,
trailing empty cells, HTML inside cells), so every line is classified on its own by tolerant patterns
and placed under the most recent heading. A line that fits nowhere becomes a :class:`ParseIssue` with
its line number; in strict mode the first one raises :class:`CorpusError`. No row is dropped silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from assistant.corpus.cells import cell_lines, plain_text
from assistant.corpus.departments import department_text, split_departments
from assistant.corpus.models import (
    Approach,
    BasicPolicy,
    Goal,
    ParseIssue,
    PathRef,
    Policy,
    Project,
    Source,
)
from assistant.corpus.wareki import extract_schedule
from assistant.errors import CorpusError

YEAR_MARKS: tuple[str, ...] = ("←→", "↔", "→", "←", "検討中")
KNOWN_TAGS: tuple[str, ...] = ("新市役所創造", "経済再生", "少子化対策")

_SP = r"[ \t\u3000]*"
_BASIC = re.compile(rf"^基本施策{_SP}(?P<letter>[A-ZＡ-Ｚ]){_SP}(?P<n>\d+)(?P<rest>(?:[ \t\u3000].*)?)$")
_POLICY = re.compile(
    rf"^個別施策{_SP}(?P<letter>[A-ZＡ-Ｚ]){_SP}(?P<n>\d+){_SP}[-－‐ー]{_SP}(?P<m>\d+)(?P<rest>(?:[ \t\u3000].*)?)$"
)
_APPROACH = re.compile(rf"^取組方針{_SP}(?P<n>\d+)(?P<rest>(?:[ \t\u3000].*)?)$")
_GOAL_HEADER = re.compile(r"^\d{4}年度にめざす姿")
_TABLE_HEADER = re.compile(r"^主要事業名")
_TOC_ENTRY = re.compile(rf"^(?P<letter>[A-ZＡ-Ｚ]){_SP}\d+(?:{_SP}-{_SP}\d+)?\t")
_UNDERLINE = re.compile(r"^[-\t ー－]+$")
_YEAR_ROW = re.compile(r"^[\t ]*\d*[\t ]*$")
_LABEL_ONLY = re.compile(r"^(?:基本施策|個別施策)$")


@dataclass
class ParseResult:
    """What one file yields: the policy tree and the lines that could not be placed."""

    basic_policies: list[BasicPolicy] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)


def _code(letter: str, *numbers: str) -> str:
    """``("Ｈ", "1", "１")`` → ``H1-1``: codes are normalised, titles are not."""
    return unicodedata.normalize("NFKC", letter) + "-".join(str(int(n)) for n in numbers)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def _title(rest: str) -> str:
    """First non-empty cell after a heading's code (titles never span cells)."""
    for cell in re.split(r"\t", rest):
        cell = plain_text(cell).strip(" \u3000")
        if cell:
            return cell
    return ""


def _split_name(name: str) -> tuple[str, str | None]:
    """``まちづくり活動推進事業 (自治会エリアデータ化事業)`` → base name and sub-name."""
    match = re.match(r"^(?P<base>.+?)\s*[（(](?P<sub>[^（()）]+)[)）]$", name)
    if not match:
        return name, None
    return match["base"].strip(), match["sub"].strip()


class _FileParser:
    """State machine over the lines of one file (kept private: callers use :func:`parse_text`)."""

    def __init__(self, file: str, strict: bool) -> None:
        self.file = file
        self.strict = strict
        self.result = ParseResult()
        self.basic: BasicPolicy | None = None
        self.policy: Policy | None = None
        self.approach: Approach | None = None
        self.in_table = False
        self.goal_owner: BasicPolicy | Policy | None = None
        self.awaiting_goal = False

    def issue(self, lineno: int, message: str, text: str) -> None:
        problem = ParseIssue(self.file, lineno, message, text)
        if self.strict:
            raise CorpusError(str(problem))
        self.result.issues.append(problem)

    def src(self, lineno: int) -> Source:
        return Source(self.file, lineno, lineno)

    def feed(self, lineno: int, raw: str) -> None:
        line = raw.rstrip("\r\n")
        # Headings are matched on the raw text (patterns accept full-width forms) so that titles stay verbatim.
        text = line.strip(" \t\u3000")
        if not text or _UNDERLINE.match(text) or _LABEL_ONLY.match(text):
            return
        if m := _BASIC.match(text):
            return self.start_basic(lineno, _code(m["letter"], m["n"]), _title(m["rest"]))
        if m := _POLICY.match(text):
            return self.start_policy(lineno, _code(m["letter"], m["n"], m["m"]), _title(m["rest"]))
        if m := _APPROACH.match(text):
            return self.start_approach(lineno, int(m["n"]), _title(m["rest"]))
        if _GOAL_HEADER.match(text):
            self.awaiting_goal = True
            self.goal_owner = self.policy or self.basic
            self.in_table = False
            return
        if self.awaiting_goal:
            return self.read_goal(lineno, line)
        if _TABLE_HEADER.match(text):
            if self.approach is None:
                self.issue(lineno, "table header outside any 取組方針", line)
            self.in_table = True
            return
        if _TOC_ENTRY.match(text) and self.basic is None:
            return  # overview list at the top of a chapter; the detailed headings follow later
        if self.in_table:
            if _YEAR_ROW.match(line):
                return  # the 事業年度 column's sub-header ("7" = 令和7年度)
            return self.read_project(lineno, line)
        self.issue(lineno, "line outside any table or heading", line)

    def start_basic(self, lineno: int, code: str, title: str) -> None:
        self.basic = BasicPolicy(code=code, title=title, source=self.src(lineno))
        self.result.basic_policies.append(self.basic)
        self.policy, self.approach, self.in_table = None, None, False

    def start_policy(self, lineno: int, code: str, title: str) -> None:
        if self.basic is None or not code.startswith(self.basic.code + "-"):
            self.issue(lineno, f"個別施策 {code} does not belong to the current 基本施策", title)
            return
        self.policy = Policy(code=code, title=title, source=self.src(lineno), basic_policy_code=self.basic.code)
        self.basic.policies.append(self.policy)
        self.approach, self.in_table = None, False

    def start_approach(self, lineno: int, number: int, title: str) -> None:
        if self.policy is None:
            self.issue(lineno, "取組方針 outside any 個別施策", title)
            return
        self.approach = Approach(number=number, title=title, source=self.src(lineno))
        self.policy.approaches.append(self.approach)
        self.in_table = False

    def read_goal(self, lineno: int, line: str) -> None:
        self.awaiting_goal = False
        values = [c for c in _cells(line) if c]
        if self.goal_owner is None or len(values) < 2:
            self.issue(lineno, "めざす姿 row without 対象 and 意図", line)
            return
        self.goal_owner.goal = Goal(target=values[0], intent=values[1], source=self.src(lineno))

    def read_project(self, lineno: int, line: str) -> None:
        cells = line.split("\t")
        name_cell = cells[0]
        departments_raw = department_text(name_cell)
        departments = split_departments(departments_raw)
        name = plain_text(name_cell.split("【", 1)[0]).strip()
        if self.approach is None or self.policy is None or self.basic is None:
            self.issue(lineno, "project row outside any 取組方針", line)
            return
        if not name or not departments:
            self.issue(lineno, "row without 事業名 【所管課】", line)
            return
        summary_lines = tuple(cell_lines(cells[1])) if len(cells) > 1 else ()
        year_mark, tags = None, []
        for cell in (c.strip() for c in cells[2:]):
            if not cell:
                continue
            if cell in YEAR_MARKS:
                year_mark = cell
            elif cell in KNOWN_TAGS:
                tags.append(cell)
            else:
                self.issue(lineno, f"unknown cell {cell!r} (neither 事業年度 mark nor 重点プロジェクト)", line)
        base, sub = _split_name(name)
        row = len(self.approach.projects) + 1
        path = PathRef(
            basic_policy_code=self.basic.code,
            basic_policy_title=self.basic.title,
            policy_code=self.policy.code,
            policy_title=self.policy.title,
            approach_number=self.approach.number,
            approach_title=self.approach.title,
        )
        project = Project(
            id=f"{self.policy.code}/{self.approach.number}/{row}",
            name=name,
            base_name=base,
            sub_name=sub,
            departments=tuple(departments),
            department_text=departments_raw,
            summary_lines=summary_lines,
            year_mark=year_mark,
            tags=tuple(tags),
            schedule=tuple(extract_schedule(summary_lines)),
            path=path,
            row=row,
            source=self.src(lineno),
        )
        self.approach.projects.append(project)


def parse_text(text: str, file: str, *, strict: bool = False) -> ParseResult:
    """Parse one file's text. ``file`` is the name recorded in every :class:`Source`."""
    parser = _FileParser(file, strict)
    for lineno, line in enumerate(text.split("\n"), start=1):
        parser.feed(lineno, line)
    for basic in parser.result.basic_policies:
        _close_sources(basic)
    return parser.result


def _close_sources(basic: BasicPolicy) -> None:
    """Extend each heading's source to the last line of what it contains."""

    def last_line(*sources: Source) -> int:
        return max(s.line_end for s in sources)

    policy_ends = []
    for policy in basic.policies:
        approach_ends = []
        for approach in policy.approaches:
            end = last_line(approach.source, *(p.source for p in approach.projects))
            approach.source = Source(approach.source.file, approach.source.line_start, end)
            approach_ends.append(approach.source)
        policy.source = Source(policy.source.file, policy.source.line_start, last_line(policy.source, *approach_ends))
        policy_ends.append(policy.source)
    basic.source = Source(basic.source.file, basic.source.line_start, last_line(basic.source, *policy_ends))
