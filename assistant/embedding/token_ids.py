"""Text → token ids for the ONNX encoder, from ``tokenizer.json`` or, where it gives the same ids, SentencePiece.

The ``tokenizers`` object of a 262k-entry ``tokenizer.json`` takes ~280 MB of a server's memory (EmbeddingGemma;
~250 MB for e5-small's 250k entries); SentencePiece reading the model's own ``tokenizer.model`` takes ~45 MB.
The export (onnx_export.py) uses SentencePiece only after checking that it yields exactly the ids of
``tokenizer.json`` (with the same special tokens around them) on varied text, and records which one it chose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

# Varied text for the equality check: the prompts' ASCII, Japanese of every script, half-width kana, full-width
# digits, emoji, runs of spaces, tabs and newlines, markup.
SAMPLE_TEXTS = (
    "task: search result | query: 市役所の窓口はオンラインで手続きできますか",
    "title: none | text: 令和７年度から電子申請を拡大し、行政手続きのデジタル化を進めます。",
    "ﾈｰﾐﾝｸﾞﾗｲﾂ  二重  空白　全角空白",
    "Which office runs the city's call-center? (H3-1-2)",
    "すまほさろん🙂どこでやりよると？",
    "tab\there and\nnewline",
    "<img src=x onerror=alert(1)>",
    "①②③ ＡＢＣ ａｂｃ １２３",
)
AFFIXES = (("bos", "eos"), ("bos", None), (None, "eos"), (None, None))


class TokenIds(Protocol):
    pad_id: int

    def ids(self, texts: list[str]) -> list[list[int]]: ...


class JsonTokenizer:
    """``tokenizers`` over ``tokenizer.json`` (special tokens and truncation as it defines them)."""

    def __init__(self, model_dir: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        pad = self.tokenizer.token_to_id("<pad>")
        self.pad_id = 0 if pad is None else pad

    def ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(texts)]


class SentencePieceTokenizer:
    """SentencePiece over ``tokenizer.model``, with the special tokens the export found around the ids."""

    def __init__(self, model_dir: Path, max_length: int, prefix: list[int], suffix: list[int], pad_id: int) -> None:
        import sentencepiece

        self.sp = sentencepiece.SentencePieceProcessor(model_file=str(Path(model_dir) / "tokenizer.model"))
        self.prefix, self.suffix, self.pad_id = list(prefix), list(suffix), pad_id
        self.room = max(1, max_length - len(self.prefix) - len(self.suffix))

    def ids(self, texts: list[str]) -> list[list[int]]:
        return [self.prefix + pieces[: self.room] + self.suffix for pieces in self.sp.encode(list(texts))]


def sentencepiece_record(model_dir: Path, max_length: int) -> dict | None:
    """How SentencePiece reproduces ``tokenizer.json`` on :data:`SAMPLE_TEXTS`, or None where it does not."""
    if not (Path(model_dir) / "tokenizer.model").is_file():
        return None
    try:
        import sentencepiece
    except ImportError:
        return None
    sp = sentencepiece.SentencePieceProcessor(model_file=str(Path(model_dir) / "tokenizer.model"))
    reference = JsonTokenizer(model_dir, max_length)
    wanted = reference.ids(list(SAMPLE_TEXTS))
    pieces = sp.encode(list(SAMPLE_TEXTS))
    special = {"bos": sp.bos_id(), "eos": sp.eos_id()}
    for before, after in AFFIXES:
        prefix = [special[before]] if before else []
        suffix = [special[after]] if after else []
        if all(prefix + p + suffix == w for p, w in zip(pieces, wanted, strict=True)):
            return {"kind": "sentencepiece", "prefix": prefix, "suffix": suffix, "pad_id": reference.pad_id}
    return None


def load_token_ids(model_dir: Path, record: dict | None, max_length: int) -> TokenIds:
    if record and record.get("kind") == "sentencepiece":
        return SentencePieceTokenizer(model_dir, max_length, record["prefix"], record["suffix"], record["pad_id"])
    return JsonTokenizer(model_dir, max_length)


def padded(ids: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) padded on the right to the longest text."""
    width = max((len(x) for x in ids), default=0)
    out = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, x in enumerate(ids):
        out[row, : len(x)] = x
        mask[row, : len(x)] = 1
    return out, mask
