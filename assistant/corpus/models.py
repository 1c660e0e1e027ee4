"""Typed records of the plan: the hand-off objects between the parser and everything after it.

A plan chapter is a tree: 基本施策 (BasicPolicy, ``H1``) > 個別施策 (Policy, ``H1-1``) > 取組方針
(Approach, number within its policy) > 主要事業 (Project, one table row). Every record keeps the
place it came from (:class:`Source`) so that answers can cite file and lines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record stands in the corpus: file name (relative to the corpus folder) and 1-based lines."""

    file: str
    line_start: int
    line_end: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Goal:
    """めざす姿: who (対象) should be in which state (意図) by the plan's target year."""

    target: str
    intent: str
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """One dated mention in a project's text, converted to fiscal years (April–March).

    ``end_fy`` is ``None`` for an open end (令和9年度以降, 令和4年度～). ``text`` is the clean line of the
    事業概要 that holds the mention, a verbatim substring of the corpus; ``label`` is the date as written.
    """

    start_fy: int
    end_fy: int | None
    text: str
    label: str

    def covers(self, fiscal_year: int) -> bool:
        if fiscal_year < self.start_fy:
            return False
        return self.end_fy is None or fiscal_year <= self.end_fy

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PathRef:
    """A project's place in the policy tree, with the titles a citation shows."""

    basic_policy_code: str
    basic_policy_title: str
    policy_code: str
    policy_title: str
    approach_number: int
    approach_title: str

    def to_dict(self) -> dict:
        return {
            "basic_policy": {"code": self.basic_policy_code, "title": self.basic_policy_title},
            "policy": {"code": self.policy_code, "title": self.policy_title},
            "approach": {"number": self.approach_number, "title": self.approach_title},
        }

    def label(self) -> str:
        """Short human path, e.g. ``H1 > H1-1 > 取組方針1 分かりやすい市政情報の発信``."""
        return (
            f"{self.basic_policy_code} {self.basic_policy_title} > {self.policy_code} {self.policy_title}"
            f" > 取組方針{self.approach_number} {self.approach_title}"
        )


@dataclass(frozen=True, slots=True)
class Project:
    """A 主要事業 row.

    ``summary_lines`` are the 事業概要 with HTML removed and bullets kept as lines; each line is a
    verbatim substring of the source line, so any of them can be cited as is.
    """

    id: str
    name: str
    base_name: str
    sub_name: str | None
    departments: tuple[str, ...]
    department_text: str
    summary_lines: tuple[str, ...]
    year_mark: str | None
    tags: tuple[str, ...]
    schedule: tuple[ScheduleEntry, ...]
    path: PathRef
    row: int
    source: Source

    @property
    def summary(self) -> str:
        return "\n".join(self.summary_lines)

    @property
    def policy_code(self) -> str:
        return self.path.policy_code

    @property
    def basic_policy_code(self) -> str:
        return self.path.basic_policy_code

    @property
    def approach_key(self) -> str:
        """``H2-1/1``: the 個別施策/取組方針 key used by filters and the evaluation file."""
        return f"{self.path.policy_code}/{self.path.approach_number}"

    def fiscal_years(self) -> set[int]:
        """Closed years any schedule entry covers (open ends are not expanded)."""
        years: set[int] = set()
        for entry in self.schedule:
            years.update(range(entry.start_fy, (entry.end_fy or entry.start_fy) + 1))
        return years

    def covers_year(self, fiscal_year: int) -> bool:
        return any(entry.covers(fiscal_year) for entry in self.schedule)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "base_name": self.base_name,
            "sub_name": self.sub_name,
            "departments": list(self.departments),
            "department_text": self.department_text,
            "summary": self.summary,
            "summary_lines": list(self.summary_lines),
            "tags": list(self.tags),
            "year_mark": self.year_mark,
            "schedule": [entry.to_dict() for entry in self.schedule],
            "path": self.path.to_dict(),
            "source": self.source.to_dict(),
        }


@dataclass(slots=True)
class Approach:
    """取組方針: a numbered heading inside a 個別施策 that groups project rows."""

    number: int
    title: str
    source: Source
    projects: list[Project] = field(default_factory=list)


@dataclass(slots=True)
class Policy:
    """個別施策 (``H1-1``) with its goal and approaches."""

    code: str
    title: str
    source: Source
    goal: Goal | None = None
    approaches: list[Approach] = field(default_factory=list)
    basic_policy_code: str = ""

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "basic_policy": self.basic_policy_code,
            "goal": _goal_dict(self.goal),
            "approaches": [{"number": a.number, "title": a.title} for a in self.approaches],
            "source": self.source.to_dict(),
        }


@dataclass(slots=True)
class BasicPolicy:
    """基本施策 (``H1``) with its goal and 個別施策."""

    code: str
    title: str
    source: Source
    goal: Goal | None = None
    policies: list[Policy] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "goal": _goal_dict(self.goal),
            "policies": [{"code": p.code, "title": p.title} for p in self.policies],
            "source": self.source.to_dict(),
        }


def _goal_dict(goal: Goal | None) -> dict | None:
    if goal is None:
        return None
    return {
        "target": goal.target,
        "intent": goal.intent,
        "source": goal.source.to_dict() if goal.source else None,
    }


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A line the parser could not place, reported with its position instead of being dropped."""

    file: str
    line: int
    message: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}: {self.text[:80]}"
