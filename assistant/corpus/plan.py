"""The whole plan as one object: the policy tree of every corpus file plus lookups by id and facet."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from assistant.corpus.models import BasicPolicy, ParseIssue, Policy, Project


@dataclass
class Plan:
    """Parsed plan. ``texts`` keeps each file's raw text so citations can be checked verbatim."""

    basic_policies: list[BasicPolicy]
    texts: dict[str, str] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)
    everyday: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id → residents' words (everyday.py)

    @cached_property
    def policies(self) -> list[Policy]:
        return [p for b in self.basic_policies for p in b.policies]

    @cached_property
    def projects(self) -> list[Project]:
        return [proj for p in self.policies for a in p.approaches for proj in a.projects]

    @cached_property
    def _projects_by_id(self) -> dict[str, Project]:
        return {p.id: p for p in self.projects}

    @cached_property
    def _nodes_by_code(self) -> dict[str, BasicPolicy | Policy]:
        nodes: dict[str, BasicPolicy | Policy] = {b.code: b for b in self.basic_policies}
        nodes.update({p.code: p for p in self.policies})
        return nodes

    def project(self, project_id: str) -> Project | None:
        return self._projects_by_id.get(project_id)

    def node(self, code: str) -> BasicPolicy | Policy | None:
        """A 基本施策 (``H1``) or 個別施策 (``H1-1``) by code."""
        return self._nodes_by_code.get(code)

    def node_path(self, code: str) -> dict:
        """Citation path of a policy node, shaped like a project's (missing levels are ``None``)."""
        node = self.node(code)
        if isinstance(node, Policy):
            basic = self.node(node.basic_policy_code)
            return {
                "basic_policy": {"code": basic.code, "title": basic.title},
                "policy": {"code": node.code, "title": node.title},
                "approach": None,
            }
        return {"basic_policy": {"code": node.code, "title": node.title}, "policy": None, "approach": None}

    def neighbours(self, project: Project) -> list[Project]:
        """The other projects of the same 取組方針, in plan order."""
        return [p for p in self.projects if p.approach_key == project.approach_key and p.id != project.id]

    @cached_property
    def department_counts(self) -> Counter[str]:
        return Counter(d for p in self.projects for d in p.departments)

    @cached_property
    def tag_counts(self) -> Counter[str]:
        return Counter(t for p in self.projects for t in p.tags)

    @cached_property
    def year_counts(self) -> Counter[int]:
        return Counter(y for p in self.projects for y in p.fiscal_years())

    @cached_property
    def approach_count(self) -> int:
        return sum(len(p.approaches) for p in self.policies)

    @cached_property
    def content_hash(self) -> str:
        """sha256 over every file's name and text and the everyday vocabulary: changes whenever the corpus
        does, so an index built before an edit of either is rebuilt."""
        digest = hashlib.sha256()
        for name in sorted(self.texts):
            digest.update(name.encode() + b"\0" + self.texts[name].encode() + b"\0")
        for project_id in sorted(self.everyday):
            digest.update(project_id.encode() + b"\0" + "\t".join(self.everyday[project_id]).encode() + b"\0")
        return digest.hexdigest()

    def contains_verbatim(self, excerpt: str) -> bool:
        """True if ``excerpt`` occurs unchanged in some corpus file."""
        return any(excerpt in text for text in self.texts.values())

    def stats(self) -> dict:
        return {
            "files": sorted(self.texts),
            "basic_policies": len(self.basic_policies),
            "policies": len(self.policies),
            "approaches": self.approach_count,
            "projects": len(self.projects),
            "departments": len(self.department_counts),
            "tags": dict(sorted(self.tag_counts.items())),
            "issues": len(self.issues),
        }
