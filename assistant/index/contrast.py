"""Contrast documents: descriptions of city services the plan does not cover, embedded with the plan.

The coverage decision (assistant/answer/coverage.py) compares a question with them: one much closer to
「家庭ごみの収集日」 than to any plan row is probably about a service the plan does not describe. They are
embedded by the index build with the document encoder, like the rows, so a server never loads the
document graph at start-up for them; the texts are stored beside the vectors, and vectors whose texts
no longer match ``out_of_scope_topics.json`` are not used.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TOPICS_PATH = Path(__file__).with_name("out_of_scope_topics.json")
VECTORS = "contrast.npy"
TEXTS = "contrast.json"


def contrast_texts(path: Path = TOPICS_PATH) -> list[str]:
    return list(json.loads(Path(path).read_text(encoding="utf-8"))["topics"])


def write_contrast(folder: Path, texts: list[str], vectors: np.ndarray) -> None:
    np.save(folder / VECTORS, np.asarray(vectors, dtype=np.float32))
    (folder / TEXTS).write_text(json.dumps(texts, ensure_ascii=False, indent=1), encoding="utf-8")


def read_contrast(folder: Path, texts: list[str]) -> np.ndarray | None:
    """The stored vectors when they were built from exactly ``texts`` (an older build has none)."""
    try:
        stored = json.loads((folder / TEXTS).read_text(encoding="utf-8"))
        vectors = np.load(folder / VECTORS)
    except (OSError, ValueError):
        return None
    return vectors if stored == texts and len(vectors) == len(texts) else None
