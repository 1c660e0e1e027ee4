"""Text helpers shared by every stage: one way to fold text for comparison, and whole-word matchers.

Questions, plan words, thesaurus keys and rule words are all compared after the same folding (NFKC, so
全角 ＤＸ and half-width DX meet, then lower case). A word of ASCII letters only matches as a whole word
(「list」 is not in 「listening」); a katakana word only as a whole katakana run (ネット is not ネットワーク);
any other Japanese word as a substring (Japanese has no spaces to bound it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

_KATAKANA_WORD = re.compile(r"[ァ-ヺー]+")


def fold(text: str) -> str:
    """NFKC, lower case: the form every comparison of words uses."""
    return unicodedata.normalize("NFKC", text).lower()


def fold_spaces(text: str) -> str:
    """:func:`fold` with runs of whitespace made one space (cache keys of whole questions)."""
    return " ".join(fold(text).split())


def ascii_word_pattern(words: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One pattern matching any of the ASCII ``words`` as whole words (longest first)."""
    alternatives = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


@lru_cache(maxsize=4096)
def word_matcher(word: str, katakana_whole: bool = False) -> Callable[[str], object]:
    """A test ``matcher(text)`` for ``word`` in folded text: whole words for ASCII (and, with
    ``katakana_whole``, for a word that is all katakana), substrings otherwise."""
    word = fold(word).strip()
    if word.isascii():
        return ascii_word_pattern([word]).search
    if katakana_whole and _KATAKANA_WORD.fullmatch(word):
        return re.compile(rf"(?<![ァ-ヺー]){re.escape(word)}(?![ァ-ヺー])").search
    return lambda text: word in text
