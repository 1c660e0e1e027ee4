"""BM25 lexical index (bm25s) over pre-tokenized documents.

The tokenizer is passed in as a callable, so this module knows nothing about Japanese. Scores for every
document are computed at once (``get_scores``) because the corpus is small and filters are applied as a
mask before ranking.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.index.tokenizer import Tokenizer


class LexicalIndex:
    """BM25 over a fixed list of documents; ``search`` returns scores aligned with document order."""

    FILE = "lexical"

    def __init__(self, tokenizer: Tokenizer, k1: float = 1.2, b: float = 0.75) -> None:
        self.tokenizer = tokenizer
        self.k1, self.b = k1, b
        self._bm25 = None
        self.size = 0

    def index(self, texts: list[str]) -> LexicalIndex:
        import bm25s

        tokens = [self.tokenizer(text) or ["<empty>"] for text in texts]
        self._bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        self._bm25.index(tokens, show_progress=False)
        self.size = len(texts)
        return self

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros when no query token is known)."""
        if self._bm25 is None:
            raise RuntimeError("lexical index is empty: call index() or load() first")
        vocab = self._bm25.vocab_dict
        tokens = [t for t in self.tokenizer(query) if t in vocab]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder / self.FILE))
        (folder / self.FILE / "size.json").write_text(json.dumps({"size": self.size}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, tokenizer: Tokenizer) -> LexicalIndex:
        import bm25s

        index = cls(tokenizer)
        index._bm25 = bm25s.BM25.load(str(folder / cls.FILE))
        index.k1, index.b = index._bm25.k1, index._bm25.b
        index.size = json.loads((folder / cls.FILE / "size.json").read_text(encoding="utf-8"))["size"]
        return index
