"""A stale or corrupt index is reported, never used; a build is atomic and reuses embeddings."""

from __future__ import annotations

import os
import shutil

import pytest

from assistant.corpus import load_plan
from assistant.errors import IndexStateError
from assistant.index.build import build_index
from assistant.index.documents import read_chunks
from assistant.index.store import load_index
from tests.conftest import CHAPTER_H


def _load(index_dir, runtime, corpus_hash=None):
    return load_index(
        index_dir,
        runtime.tokenizer,
        tokenizer_description=runtime.tokenizer.description,
        corpus_hash=corpus_hash or runtime.plan.content_hash,
        model_fingerprint=runtime.encoder.fingerprint,
        model_dim=runtime.encoder.dim,
    )


@pytest.fixture
def index_copy(real_index_dir, tmp_path):
    target = tmp_path / "build"
    shutil.copytree(real_index_dir.resolve(), target)
    return target


@pytest.mark.slow
def test_changed_corpus_is_stale(index_copy, runtime):
    with pytest.raises(IndexStateError, match="corpus has changed"):
        _load(index_copy, runtime, corpus_hash="0" * 64)


@pytest.mark.slow
def test_corrupt_file_is_reported_with_its_name(index_copy, runtime):
    data = (index_copy / "dense.faiss").read_bytes()
    (index_copy / "dense.faiss").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexStateError, match=r"dense\.faiss is corrupt"):
        _load(index_copy, runtime)


@pytest.mark.slow
def test_missing_manifest_and_missing_index(index_copy, runtime, tmp_path):
    (index_copy / "manifest.json").unlink()
    with pytest.raises(IndexStateError, match=r"manifest\.json missing"):
        _load(index_copy, runtime)
    with pytest.raises(IndexStateError, match="no index"):
        _load(tmp_path / "nowhere", runtime)


@pytest.mark.slow
def test_rebuild_reuses_unchanged_embeddings_and_swaps_atomically(tmp_path, runtime, real_index_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = CHAPTER_H.read_text(encoding="utf-8")
    (corpus / "h.txt").write_text(text, encoding="utf-8")
    index_dir = tmp_path / "index" / "current"
    first_build, stats = build_index(load_plan(corpus), index_dir, runtime.encoder, runtime.tokenizer)
    assert stats["embedded"] == stats["chunks"]
    edited = text.replace("○本会議の様態をケーブルテレビで中継する。", "○本会議の様子をケーブルテレビで中継する。")
    (corpus / "h.txt").write_text(edited, encoding="utf-8")
    second, stats = build_index(load_plan(corpus), index_dir, runtime.encoder, runtime.tokenizer)
    # The edited sentence lives in one row chunk and one sentence unit: exactly those two are re-embedded.
    before = {c.chunk_id: c for c in read_chunks(first_build)}
    changed = [c for c in read_chunks(second) if before[c.chunk_id].text != c.text]
    assert sorted(c.scope for c in changed) == ["line", "row"]
    assert stats["embedded"] == 2 and stats["reused"] == stats["chunks"] - 2
    assert index_dir.is_symlink() and index_dir.resolve() == second.resolve()
    assert not list(index_dir.parent.glob(".building-*"))


@pytest.mark.slow
def test_killed_build_leaves_the_old_index(tmp_path, runtime):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "h.txt").write_text(CHAPTER_H.read_text(encoding="utf-8"), encoding="utf-8")
    index_dir = tmp_path / "index" / "current"
    first, _ = build_index(load_plan(corpus), index_dir, runtime.encoder, runtime.tokenizer)

    class Exploding:
        name, dim, fingerprint = "broken", runtime.encoder.dim, "other-model"

        def encode_documents(self, texts, progress=None):
            raise KeyboardInterrupt  # like a Ctrl-C in the middle of embedding

    with pytest.raises(KeyboardInterrupt):
        build_index(load_plan(corpus), index_dir, Exploding(), runtime.tokenizer)
    assert index_dir.resolve() == first.resolve()
    assert not list(index_dir.parent.glob(".building-*"))


def test_folders_of_killed_builds_are_removed_by_the_next_build(tmp_path):
    import subprocess
    import sys

    from assistant.index.build import remove_abandoned_builds

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that no longer exists, like a SIGKILLed build's
    abandoned = tmp_path / f".building-20260101T000000000000-{gone.pid}"
    running = tmp_path / f".building-20260101T000000000001-{os.getpid()}"  # a build still in progress
    for folder in (abandoned, running):
        folder.mkdir()
        (folder / "embeddings.npy").write_bytes(b"partial")
    remove_abandoned_builds(tmp_path)
    assert not abandoned.exists() and running.exists()
