"""Load a built index folder into memory, refusing one that is stale or corrupt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import IndexStateError
from assistant.index.contrast import contrast_texts, read_contrast
from assistant.index.dense import DenseIndex
from assistant.index.documents import Chunk, read_chunks, row_chunks
from assistant.index.lexical import LexicalIndex
from assistant.index.manifest import Manifest
from assistant.index.tokenizer import Tokenizer


@dataclass
class LoadedIndex:
    """Everything a search needs, in memory: chunks, BM25, FAISS and the manifest they came with."""

    folder: Path
    manifest: Manifest
    chunks: list[Chunk]
    lexical: LexicalIndex
    dense: DenseIndex
    contrast: np.ndarray | None = None  # out-of-scope service descriptions, embedded (contrast.py)

    @property
    def doc_ids(self) -> list[str]:
        return [c.doc_id for c in self.chunks]


def load_index(
    index_dir: Path,
    tokenizer: Tokenizer,
    *,
    tokenizer_description: str,
    corpus_hash: str,
    model_fingerprint: str,
    model_dim: int,
) -> LoadedIndex:
    """Read ``index_dir`` (following the ``current`` symlink once, so a concurrent rebuild is harmless)."""
    index_dir = Path(index_dir)
    if not index_dir.exists():
        raise IndexStateError(f"no index at {index_dir}; run `assistant index build`")
    folder = index_dir.resolve()
    manifest = Manifest.read(folder)
    reasons = manifest.staleness(
        corpus_hash=corpus_hash,
        model_fingerprint=model_fingerprint,
        model_dim=model_dim,
        tokenizer=tokenizer_description,
    )
    if reasons:
        raise IndexStateError(f"index at {index_dir} is stale: {'; '.join(reasons)}; run `assistant index build`")
    manifest.verify_files(folder)
    try:
        chunks = read_chunks(folder)
        lexical = LexicalIndex.load(folder, tokenizer)
        dense = DenseIndex.load(folder)
    except Exception as exc:  # checksums passed, so this is a version or format problem
        raise IndexStateError(f"cannot read index at {folder}: {exc}; run `assistant index build`") from exc
    if not (len(chunks) == dense.size == manifest.n_chunks and len(row_chunks(chunks)) == lexical.size):
        raise IndexStateError(
            f"index at {folder} is inconsistent ({len(chunks)} chunks, {lexical.size} lexical, {dense.size} dense); "
            "run `assistant index build`"
        )
    contrast = read_contrast(folder, contrast_texts())
    return LoadedIndex(folder=folder, manifest=manifest, chunks=chunks, lexical=lexical, dense=dense, contrast=contrast)
