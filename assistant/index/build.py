"""Build an index folder from the plan: chunks, BM25, embeddings, FAISS, contrast vectors and the manifest.

The build writes into a fresh folder beside the live one and then swaps a symlink (``index/current``)
with one atomic rename, so a crash or kill never leaves a half index and a running server keeps reading
the old one. Embeddings of chunks whose text did not change are reused from the previous build, so a
rebuild after a small corpus edit only embeds what changed.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from assistant.corpus.plan import Plan
from assistant.embedding.encoder import Encoder
from assistant.index.contrast import contrast_texts, write_contrast
from assistant.index.dense import DenseIndex, choose_factory
from assistant.index.documents import build_chunks, lexical_texts, read_chunks, write_chunks
from assistant.index.lexical import LexicalIndex
from assistant.index.manifest import Manifest
from assistant.index.tokenizer import SudachiTokenizer

Progress = Callable[[str, int, int], None]
EMBEDDINGS = "embeddings.npy"
KEEP_BUILDS = 2


def _previous_embeddings(live: Path, model_fingerprint: str) -> dict[str, np.ndarray]:
    """content hash → vector from the live index, if it was built with the same model."""
    try:
        manifest = Manifest.read(live)
        if manifest.model_fingerprint != model_fingerprint:
            return {}
        chunks = read_chunks(live)
        vectors = np.load(live / EMBEDDINGS)
    except Exception:  # any problem with the old index just means: embed everything again
        return {}
    return {c.content_hash: vectors[i] for i, c in enumerate(chunks) if i < len(vectors)}


def build_index(
    plan: Plan,
    index_dir: Path,
    encoder: Encoder,
    tokenizer: SudachiTokenizer,
    *,
    factory: str = "auto",
    ann_threshold: int = 20_000,
    chunk_chars: int = 700,
    progress: Progress | None = None,
) -> tuple[Path, dict]:
    """Build and publish an index at ``index_dir`` (a symlink to the newest build). Returns (folder, stats)."""
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    index_dir = Path(index_dir)
    parent = index_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    tmp = parent / f".building-{stamp}-{os.getpid()}"
    final = parent / f"build-{stamp}"
    remove_abandoned_builds(parent)
    tmp.mkdir()
    try:
        chunks = build_chunks(plan, chunk_chars)
        report("chunks", len(chunks), len(chunks))
        write_chunks(tmp, chunks)

        LexicalIndex(tokenizer).index(lexical_texts(chunks)).save(tmp)  # row chunks only
        report("lexical", len(chunks), len(chunks))

        cached = _previous_embeddings(index_dir, encoder.fingerprint) if index_dir.exists() else {}
        todo = [i for i, c in enumerate(chunks) if c.content_hash not in cached]
        vectors = np.zeros((len(chunks), encoder.dim), dtype=np.float32)
        for i, chunk in enumerate(chunks):
            if chunk.content_hash in cached:
                vectors[i] = cached[chunk.content_hash]
        if todo:
            fresh = encoder.encode_documents(
                [chunks[i].text for i in todo], progress=lambda done, total: report("embed", done, total)
            )
            vectors[todo] = fresh
        report("embed", len(todo), len(todo))
        np.save(tmp / EMBEDDINGS, vectors)
        contrast = contrast_texts()
        write_contrast(tmp, contrast, encoder.encode_documents(contrast))

        resolved = choose_factory(factory, len(chunks), ann_threshold)
        DenseIndex(resolved).index(vectors).save(tmp)
        report("dense", len(chunks), len(chunks))

        elapsed = time.perf_counter() - started
        Manifest(
            model_name=encoder.name,
            model_dim=encoder.dim,
            model_fingerprint=encoder.fingerprint,
            tokenizer=tokenizer.description,
            corpus_hash=plan.content_hash,
            faiss_factory=resolved,
            n_chunks=len(chunks),
            n_docs=len({c.doc_id for c in chunks}),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(elapsed, 3),
            chunk_chars=chunk_chars,
        ).write(tmp)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    publish(final, index_dir)
    stats = {"chunks": len(chunks), "embedded": len(todo), "reused": len(chunks) - len(todo), "seconds": elapsed}
    return final, stats


def remove_abandoned_builds(parent: Path) -> None:
    """Delete ``.building-*`` folders left by builds that were killed (their process no longer exists).

    A build that is still running elsewhere keeps its folder: the name ends with its process id.
    """
    for folder in parent.glob(".building-*"):
        try:
            pid = int(folder.name.rsplit("-", 1)[1])
            os.kill(pid, 0)  # raises if no such process
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue  # not ours to judge: a foreign name, or a live process of another user


def publish(build: Path, index_dir: Path) -> None:
    """Point ``index_dir`` at ``build`` atomically (symlink + rename), then drop old builds."""
    link_tmp = index_dir.parent / f".link-{os.getpid()}-{time.monotonic_ns()}"
    os.symlink(build.name, link_tmp)
    if index_dir.is_dir() and not index_dir.is_symlink():
        # A plain folder from an older layout: move it aside so the rename below can replace it.
        index_dir.rename(index_dir.parent / f"build-legacy-{time.monotonic_ns()}")
    os.replace(link_tmp, index_dir)
    builds = sorted(p for p in index_dir.parent.glob("build-*") if p.is_dir() and p.resolve() != build.resolve())
    for old in builds[: max(0, len(builds) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)
