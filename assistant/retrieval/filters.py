"""Metadata filters: which documents a search may return, decided from the plan before ranking."""

from __future__ import annotations

from assistant.corpus.models import Project
from assistant.corpus.plan import Plan
from assistant.retrieval.types import Filters


def project_matches(project: Project, filters: Filters) -> bool:
    if filters.ids is not None and project.id not in filters.ids:
        return False
    if filters.department and not any(filters.department in d for d in project.departments):
        return False
    if filters.policy and filters.policy not in (project.policy_code, project.basic_policy_code):
        return False
    if filters.tag and filters.tag not in project.tags:
        return False
    return not (filters.year and not project.covers_year(filters.year))


def policy_matches(code: str, filters: Filters) -> bool:
    # Department, tag and year describe projects; a policy node only answers policy-code filters.
    if filters.department or filters.tag or filters.year:
        return False
    return not filters.policy or code == filters.policy or code.startswith(filters.policy + "-")


def allowed_docs(plan: Plan, filters: Filters) -> set[str] | None:
    """Doc ids that pass ``filters`` (``None`` when nothing is filtered)."""
    if filters.is_empty() and set(filters.kinds) >= {"project", "policy"}:
        return None
    allowed: set[str] = set()
    if "project" in filters.kinds:
        allowed.update(p.id for p in plan.projects if project_matches(p, filters))
    if "policy" in filters.kinds:
        codes = [b.code for b in plan.basic_policies] + [p.code for p in plan.policies]
        allowed.update(c for c in codes if policy_matches(c, filters))
    return allowed if filters.ids is None else allowed & filters.ids


def matching_projects(plan: Plan, filters: Filters) -> list[Project]:
    """Every project passing ``filters``, in plan order (complete lists for 一覧 questions)."""
    return [p for p in plan.projects if project_matches(p, filters)]
