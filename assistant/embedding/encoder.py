"""Text encoders behind one small interface, so the index and the searcher never see the model library.

:class:`SentenceTransformerEncoder` loads any local sentence-transformers folder (the converted default,
or a model a city downloaded once elsewhere) strictly offline. Query and document prompts come from the
model's own ``config_sentence_transformers.json`` (e5: ``query: `` / ``passage: ``), not from code.

Speed on small shared CPUs (measured by ``scripts/bench.py``, see docs/performance.md): OpenMP threads
sleep instead of spinning while they wait, and documents are embedded longest first in batches bounded
by a padded-token budget, so little compute goes to padding and activations stay in cache.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.embedding.batching import token_budget_batches
from assistant.embedding.fingerprint import folder_fingerprint
from assistant.errors import ModelError


class Encoder(Protocol):
    """What the index and the searcher need from an embedding model."""

    name: str
    dim: int
    fingerprint: str

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_documents(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """A local sentence-transformers model on the CPU, loaded once."""

    # Padded tokens per document batch: 1024–2048 were fastest on chapter H (2 cores, 4 MB L2 each).
    TOKEN_BUDGET = 2048

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
        # libgomp's default spin-wait collapses when another process takes a core (2 threads on 2 busy
        # cores: one query went from ~35 ms to ~1 s); sleeping waiters cost little when the CPU is idle.
        # Read once when torch loads its OpenMP runtime, so it only takes effect before the first import.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
        self.model.eval()  # once: inference never trains, and _encode does not reset it per call
        self._torch = torch
        self.backend = "sentence-transformers"
        self._direct = hasattr(self.model, "preprocess")  # sentence-transformers ≥ 6; else its encode()
        prompts = getattr(self.model, "prompts", {}) or {}
        self.query_prompt = prompts.get("query")
        self.document_prompt = prompts.get("document", prompts.get("passage"))

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        """One batch through the model's modules (transformer, pooling, normalize), normalised again.

        This is what ``SentenceTransformer.encode`` does per batch, without its per-call bookkeeping
        (putting ~200 modules in eval mode, resolving the device, checking inputs): ~4 ms of a ~35 ms
        query on two cores. Vectors are the same (max difference ~1e-7).
        """
        if not self._direct:
            vectors = self.model.encode(
                texts,
                prompt=prompt,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            return np.asarray(vectors, dtype=np.float32)
        torch = self._torch
        with torch.inference_mode():
            features = self.model.preprocess(texts, prompt=prompt)
            vectors = torch.nn.functional.normalize(self.model(features)["sentence_embedding"], p=2, dim=1)
        return vectors.numpy().astype(np.float32, copy=False)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if len(texts) <= 1:
            return self._encode(texts, self.query_prompt) if texts else np.zeros((0, self.dim), np.float32)
        # Several questions: shortest padding by sorting on length (characters, as sentence-transformers does).
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = self._encode([texts[i] for i in batch], self.query_prompt)
        return out

    def _token_lengths(self, texts: list[str], prompt: str | None) -> np.ndarray:
        """Tokens per text as the model will see it (prompt included, truncated to the model's limit)."""
        # Only for encode_documents (index builds, one thread): the call changes the shared tokenizer's
        # padding setting, which concurrent encodes in a server would race on.
        prefix = prompt or ""
        limit = getattr(self.model, "max_seq_length", None) or 512
        tokens = self.model.tokenizer([prefix + t for t in texts], truncation=True, max_length=limit)["input_ids"]
        return np.fromiter((len(x) for x in tokens), dtype=np.int64, count=len(texts))

    def encode_documents(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        done = 0
        lengths = self._token_lengths(texts, self.document_prompt)
        for batch in token_budget_batches(lengths, self.batch_size, self.TOKEN_BUDGET):
            out[batch] = self._encode([texts[i] for i in batch], self.document_prompt)
            done += len(batch)
            if progress:
                progress(done, len(texts))
        return out
