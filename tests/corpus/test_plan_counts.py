"""The parse of chapter H against the counts and facts the plan itself states."""

from __future__ import annotations

import re

from tests.conftest import project_named


def test_counts(plan):
    assert len(plan.basic_policies) == 3
    assert [p.code for p in plan.policies] == ["H1-1", "H1-2", "H2-1", "H2-2", "H3-1", "H3-2", "H3-3"]
    assert plan.approach_count == 21
    assert len(plan.projects) == 88
    assert plan.issues == []


def test_tags(plan):
    assert plan.tag_counts == {"新市役所創造": 33, "経済再生": 1, "少子化対策": 1}
    assert [p.name for p in plan.projects if "経済再生" in p.tags] == ["地域活性化事業"]
    assert [p.name for p in plan.projects if "少子化対策" in p.tags] == ["人口減少対策シンポジウム 開催費負担金"]


def test_every_project_has_departments_and_a_unique_id(plan):
    assert all(p.departments for p in plan.projects)
    ids = [p.id for p in plan.projects]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"H\d-\d/\d+/\d+", i) for i in ids)


def test_ids_follow_rows(plan):
    assert project_named(plan, "コールセンター運営").id == "H1-1/1/6"
    assert project_named(plan, "過疎地域活性化事業").id == "H2-1/3/3"  # after a blank line inside the table
    assert project_named(plan, "保健所許認可システムサービス利用").id == "H3-3/3/9"


def test_policy_goals_and_titles(plan):
    h1 = plan.node("H1")
    assert h1.title == "市民との良好なコミュニケーションを図ります"
    assert (h1.goal.target, h1.goal.intent) == (
        "市民が",
        "さまざまな情報を共有することで、市政への関心を高め、信頼関係を築いている。",
    )
    h32 = plan.node("H3-2")
    assert h32.title == "自発的に自己力を高め、ひとのつながりを創り、市民のために動く職員（職場）を育成します"
    assert h32.goal.target == "職員が"
    h33 = plan.node("H3-3")  # heading without underline, goal straight after it
    assert h33.goal.intent.startswith("ICTを効果的に活用し")
    assert [a.title for a in h33.approaches] == [
        "行政手続きのオンライン化の推進",
        "システムの標準化",
        "ICTを活用した業務効率化の推進",
        "オープンデータの推進",
    ]


def test_summaries_are_clean_and_verbatim(plan, chapter_text):
    for project in plan.projects:
        assert project.summary_lines, project.id
        for line in project.summary_lines:
            assert "<" not in line and ">" not in line, (project.id, line)
            assert line in chapter_text, (project.id, line)
            assert line == line.strip()
        for entry in project.schedule:
            assert entry.text in chapter_text


def test_sources_point_at_the_row(plan, chapter_text):
    lines = chapter_text.split("\n")
    for project in plan.projects:
        row = lines[project.source.line_start - 1]
        assert project.base_name in row
        assert project.source.file == "nagasaki-plan-2025-chapter-H.txt"


def test_department_count(plan):
    assert len(plan.department_counts) == 35
    assert plan.department_counts["広報広聴課"] == 11
    assert plan.department_counts["DX推進課"] == 10
