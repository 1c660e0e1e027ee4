"""The serving encoder: ONNX Runtime + SentencePiece or ``tokenizers`` + numpy, no torch, no sentence-transformers.

Reads the graphs ``assistant model install`` exported into ``<model>/onnx/`` (see onnx_export.py): the int8
graph for queries, one text a run (dynamic int8 makes a vector depend on its batch), and the fp32 graph for
documents, in token-budgeted batches. Each graph is loaded on first use, so a server that only embeds
questions never holds the fp32 weights. Prompts and the token limit come from the export record, which
copied them from the model's own sentence-transformers config.

Measured on 2 cores (docs/performance.md): a query in a fraction of the sentence-transformers time, start-up
without importing torch, and a third of the memory.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.embedding.batching import token_budget_batches
from assistant.embedding.fingerprint import folder_fingerprint
from assistant.embedding.onnx_export import EXPORT_INFO, ONNX_DIR
from assistant.embedding.token_ids import load_token_ids, padded
from assistant.errors import ModelError


class OnnxGraph:
    """One exported graph with its tokenizer: texts (prompt already added) → normalised vectors."""

    def __init__(
        self,
        model_dir: Path,
        file: str,
        threads: int = 2,
        max_length: int = 512,
        tokenizer: dict | None = None,
        preoptimized: bool = False,
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if preoptimized:  # stored as ORT optimizes it (onnx_export._preoptimize): halves session creation
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        # Sleeping waiters, as for torch: spinning threads collapse when another process takes a core.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        path = Path(model_dir) / ONNX_DIR / file
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            self.tokenizer = load_token_ids(model_dir, tokenizer, max_length)
        except Exception as exc:  # onnxruntime, tokenizers and sentencepiece raise their own types: one line
            raise ModelError(f"cannot load {path}: {exc}; run `assistant model install --force`") from exc

    def token_lengths(self, texts: list[str]) -> np.ndarray:
        return np.fromiter((len(x) for x in self.tokenizer.ids(texts)), dtype=np.int64, count=len(texts))

    def run(self, texts: list[str]) -> np.ndarray:
        ids, mask = padded(self.tokenizer.ids(texts), self.tokenizer.pad_id)
        (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        vectors = vectors.astype(np.float32, copy=False)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class OnnxEncoder:
    """:class:`~assistant.embedding.encoder.Encoder` over the exported graphs of one model folder."""

    TOKEN_BUDGET = 2048

    def __init__(self, model_dir: Path, threads: int = 2, batch_size: int = 32) -> None:
        model_dir = Path(model_dir)
        try:
            info = json.loads((model_dir / ONNX_DIR / EXPORT_INFO).read_text(encoding="utf-8"))
            self.dim = int(info["dim"])
            self.max_length = int(info["max_seq_length"])
            self.query_prompt = info["prompts"]["query"] or ""
            self.document_prompt = info["prompts"]["document"] or ""
            self._files = {"query": info["queries"], "document": info["documents"]}
            self._tokenizer = info.get("tokenizer")
            self._preoptimized = set(info.get("preoptimized", []))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{model_dir / ONNX_DIR / EXPORT_INFO} is missing or corrupt ({exc})") from exc
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self.model_dir, self.threads, self.batch_size = model_dir, threads, batch_size
        self.name = model_dir.name
        self.fingerprint = folder_fingerprint(model_dir)
        self.backend = "onnx"
        self._graphs: dict[str, OnnxGraph] = {}
        self._lock = threading.Lock()

    def _graph(self, role: str) -> OnnxGraph:
        graph = self._graphs.get(role)
        if graph is None:
            with self._lock:  # two first requests at once load the graph once
                graph = self._graphs.get(role)
                if graph is None:
                    files = self._files[role]
                    graph = OnnxGraph(
                        self.model_dir,
                        files,
                        self.threads,
                        self.max_length,
                        self._tokenizer,
                        files in self._preoptimized,
                    )
                    self._graphs[role] = graph
        return graph

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        graph = self._graph("query")
        return np.vstack([graph.run([self.query_prompt + t]) for t in texts])

    def encode_documents(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        graph = self._graph("document")
        prompted = [self.document_prompt + t for t in texts]
        done = 0
        for batch in token_budget_batches(graph.token_lengths(prompted), self.batch_size, self.TOKEN_BUDGET):
            out[batch] = graph.run([prompted[i] for i in batch])
            done += len(batch)
            if progress:
                progress(done, len(texts))
        return out
