"""Japanese tokenization with Sudachi for the lexical index.

Tokens are Sudachi's *normalized forms* (コンピュータ → コンピューター, 打込む → 打ち込む, ｺｰﾙｾﾝﾀｰ →
コールセンター), lower-cased, without particles, auxiliaries, symbols and a few empty words. Split mode
"AC" emits the long mode-C unit and, when it differs, its mode-A parts (推進課 → 推進課 推進 課), so a
query for 飲食 meets 飲食店 and a query for the whole compound still ranks exact matches first.

Policy codes (H3, H3-1, H3-1-2) would fall apart into h / 3 / 1; they are also emitted whole, each
with its parents (H3-1 → h3-1, h3), so 「H3-1の事業」 matches every row filed under H3-1.

The index takes the tokenizer as a plain ``Callable[[str], list[str]]``; it never imports Sudachi.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable

Tokenizer = Callable[[str], list[str]]

# Parts of speech (first level) that carry no topic.
DROP_POS: frozenset[str] = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})
# Content-free words that survive the POS filter (normalized forms). Kept small on purpose: measured on
# the dev set, a long stop list hurt recall of short colloquial questions.
STOPWORDS: frozenset[str] = frozenset(
    {
        "為る", "有る", "居る", "成る", "出来る", "行う", "こと", "もの", "よう", "ため", "など", "等",
        "について", "つく", "教える", "知る", "思う", "言う", "いう", "何", "どこ", "いつ", "どう",
        "ください", "下さる", "くれる", "欲しい", "たい", "の", "ん", "さん", "様",
    }
)  # fmt: skip


# A plan code: 基本施策 H3, 個別施策 H3-1, a project's place H3-1-2 (ASCII after NFKC).
CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]\d{1,2}(?:-\d{1,2}){0,2}(?![0-9])")


def code_tokens(text: str) -> list[str]:
    """Every plan code in ``text`` with its parents, lower-cased: 「H3-1-2」 → h3-1-2, h3-1, h3."""
    tokens = []
    for match in CODE.finditer(text):
        parts = match.group().lower().split("-")
        tokens.extend("-".join(parts[:n]) for n in range(len(parts), 0, -1))
    return tokens


# Sudachi refuses input over 49,149 UTF-8 bytes; a piece of this many characters stays under it (4 bytes each).
MAX_PIECE_CHARS = 12_000
_BREAKS = ("\n", "。", " ", "\u3000", "、")


def _pieces(text: str) -> list[str]:
    """``text`` cut into pieces Sudachi accepts, at a line, sentence or space break where there is one."""
    pieces = []
    while len(text) > MAX_PIECE_CHARS:
        window = text[:MAX_PIECE_CHARS]
        cut = max(window.rfind(b) for b in _BREAKS) + 1 or MAX_PIECE_CHARS
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


class SudachiTokenizer:
    """Callable tokenizer; one Sudachi tokenizer per thread (they are not thread-safe)."""

    def __init__(self, dict_name: str = "core", modes: str = "AC") -> None:
        from sudachipy import Dictionary, SplitMode

        self.dict_name = dict_name
        self.modes = modes.upper()
        if self.modes not in {"A", "B", "C", "AC", "BC"}:
            raise ValueError(f"unsupported Sudachi split modes {modes!r} (use A, B, C, AC or BC)")
        self._dictionary = Dictionary(dict=dict_name)
        self._split = SplitMode
        self._local = threading.local()

    @property
    def description(self) -> str:
        return f"sudachi:{self.dict_name}:{self.modes}+codes"

    def _tokenizer(self):
        tok = getattr(self._local, "tokenizer", None)
        if tok is None:
            mode = getattr(self._split, self.modes[-1])
            tok = self._local.tokenizer = self._dictionary.tokenizer(mode=mode)
        return tok

    def morphemes(self, text: str):
        """Raw Sudachi morphemes of the NFKC-normalised text (used for highlighting)."""
        return self._tokenizer().tokenize(unicodedata.normalize("NFKC", text))

    def raw_morphemes(self, text: str):
        """Morphemes of the text as given, so ``begin()``/``end()`` are offsets into it."""
        return self._tokenizer().tokenize(text)

    def nouns(self, text: str) -> set[str]:
        """Normalized forms of the nouns in ``text`` (the question reader asks whether a topic is named)."""
        text = unicodedata.normalize("NFKC", text)
        return {
            m.normalized_form().lower()
            for piece in _pieces(text)
            for m in self.morphemes(piece)
            if m.part_of_speech()[0] == "名詞"
        }

    def __call__(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text)
        tokens: list[str] = code_tokens(text)
        sub_mode = getattr(self._split, self.modes[0]) if len(self.modes) == 2 else None
        morphemes = (m for piece in _pieces(text) for m in self.morphemes(piece))
        for m in morphemes:
            if m.part_of_speech()[0] in DROP_POS:
                continue
            token = m.normalized_form().lower()
            if token in STOPWORDS or not token.strip():
                continue
            tokens.append(token)
            if sub_mode is not None:
                parts = m.split(sub_mode)
                if len(parts) > 1:
                    tokens.extend(
                        p.normalized_form().lower()
                        for p in parts
                        if p.part_of_speech()[0] not in DROP_POS and p.normalized_form() not in STOPWORDS
                    )
        return tokens
