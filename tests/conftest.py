"""Shared fixtures: the real corpus, parsed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import load_plan
from assistant.corpus.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "corpus"
CHAPTER_H = CORPUS_DIR / "nagasaki-plan-2025-chapter-H.txt"


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan(CORPUS_DIR, strict=True)


@pytest.fixture(scope="session")
def chapter_text() -> str:
    return CHAPTER_H.read_text(encoding="utf-8")


def project_named(plan: Plan, name: str, approach_key: str | None = None):
    """The one project with this exact name (and 個別施策/取組方針 when the name repeats)."""
    found = [p for p in plan.projects if p.name == name and (approach_key is None or p.approach_key == approach_key)]
    assert len(found) == 1, f"{name!r} matched {len(found)} projects"
    return found[0]
