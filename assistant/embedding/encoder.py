"""Text encoders behind one small interface, so the index and the searcher never see the model library.

:class:`SentenceTransformerEncoder` loads any local sentence-transformers folder (the converted default,
or a model a city downloaded once elsewhere) strictly offline. Query and document prompts come from the
model's own ``config_sentence_transformers.json`` (e5: ``query: `` / ``passage: ``), not from code.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.errors import ModelError


class Encoder(Protocol):
    """What the index and the searcher need from an embedding model."""

    name: str
    dim: int
    fingerprint: str

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_documents(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray: ...


def folder_fingerprint(folder: Path) -> str:
    """Identity of a model folder: its config files and the size of each weight file (cheap, stable)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if path.suffix in {".json", ".txt", ".model"} and path.stat().st_size < 50_000_000:
            digest.update(rel.encode() + path.read_bytes())
        else:
            digest.update(f"{rel}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:32]


class SentenceTransformerEncoder:
    """A local sentence-transformers model on the CPU, loaded once."""

    def __init__(self, model_dir: Path, threads: int = 2, batch_size: int = 32) -> None:
        model_dir = Path(model_dir)
        if not (model_dir / "modules.json").is_file() and not (model_dir / "config.json").is_file():
            raise ModelError(
                f"embedding model folder {model_dir} is missing or incomplete; run `assistant model install` "
                "(or set ASSISTANT_MODEL_DIR to a sentence-transformers folder)"
            )
        # Never reach for the hub, even if a folder is incomplete.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(1, threads))
        try:
            self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many types; the user needs one line
            raise ModelError(f"cannot load embedding model from {model_dir}: {exc}") from exc
        self.batch_size = batch_size
        self.name = model_dir.name
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.fingerprint = folder_fingerprint(model_dir)
        prompts = getattr(self.model, "prompts", {}) or {}
        self.query_prompt = prompts.get("query")
        self.document_prompt = prompts.get("document", prompts.get("passage"))

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            prompt=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_documents(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        out = []
        for start in range(0, len(texts), self.batch_size):
            out.append(self._encode(texts[start : start + self.batch_size], self.document_prompt))
            if progress:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)
