"""Query expansion with a small thesaurus: the words residents use → the words the plan uses.

Citizens ask in their own words (「ケータイ」「催促」「お知らせ板」「見える化」), the plan is written in
administrative ones (スマートフォン・督促・掲示板・可視化). BM25 cannot bridge that and the small
embedding model bridges it only sometimes, so a thesaurus kept as data (``synonyms.json``: one entry per
everyday word, the plan's words it stands for) adds the plan's words to the *lexical* query, and to the
*embedded* query of an English question only (``HybridSearcher.dense_query``; measured in the #4 closing
note). Entries are matched on NFKC-normalised, lower-cased text: as whole words for ASCII and for katakana
keys (ネット is not the start of ネットワーク), as substrings for other Japanese.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from assistant.text import fold, word_matcher

SYNONYMS_PATH = Path(__file__).with_name("synonyms.json")


class Thesaurus:
    """``expand(query)`` → the plan words the query's everyday words stand for ("" when none)."""

    def __init__(self, entries: dict[str, list[str]]) -> None:
        self.entries: list[tuple[Callable[[str], object], tuple[str, ...]]] = []
        for word, targets in entries.items():
            key = fold(word).strip()
            if key:  # a whole katakana word only: ネット is not ネットワーク
                self.entries.append((word_matcher(key, katakana_whole=True), tuple(targets)))

    @classmethod
    def load(cls, path: str | Path = SYNONYMS_PATH) -> Thesaurus:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls({k: v for k, v in data.items() if not k.startswith("_")})

    def expand(self, query: str) -> str:
        text = fold(query)
        found: list[str] = []
        for matcher, targets in self.entries:
            if matcher(text):
                found.extend(t for t in targets if t not in found and fold(t) not in text)
        return " ".join(found)

    def __len__(self) -> int:
        return len(self.entries)
