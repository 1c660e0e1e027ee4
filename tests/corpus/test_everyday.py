"""The everyday vocabulary (corpus/everyday.json) joins each row's searchable text, never its citable lines."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.corpus import load_plan
from assistant.corpus.everyday import everyday_words
from assistant.errors import CorpusError
from assistant.index.documents import build_chunks
from tests.conftest import CORPUS_DIR


def test_every_row_has_words_and_they_are_not_plan_lines(plan):
    assert set(plan.everyday) == {p.id for p in plan.projects}
    for project in plan.projects:
        assert all(w not in project.summary_lines for w in plan.everyday[project.id])


def test_words_reach_the_row_text_but_are_never_quotable(plan):
    project = plan.project("H3-3/3/2")  # RPA
    word = plan.everyday[project.id][0]
    rows = [c for c in build_chunks(plan) if c.doc_id == project.id and c.scope == "row"]
    assert all(word in c.text for c in rows)
    assert not any(word in line for c in build_chunks(plan) for line in c.lines)


def test_an_entry_naming_no_row_is_an_error(plan):
    first = plan.projects[0]
    with pytest.raises(CorpusError, match="names no row"):
        everyday_words(plan, [{"id": first.id, "name": first.name + "（旧）", "words": ["市報"]}])
    with pytest.raises(CorpusError, match="must be a list"):
        everyday_words(plan, [{"id": first.id, "name": first.name, "words": "市報"}])


def test_editing_the_vocabulary_changes_the_plan_hash(plan, tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, folder)
    data = json.loads((folder / "everyday.json").read_text(encoding="utf-8"))
    data["rows"][0]["words"].append("しせいだより")
    (folder / "everyday.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    edited = load_plan(folder)
    assert "しせいだより" in edited.everyday[plan.projects[0].id]
    assert edited.content_hash != plan.content_hash
    (folder / "everyday.json").unlink()  # optional: a corpus without one loads with no words
    assert load_plan(folder).everyday == {}
