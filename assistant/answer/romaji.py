"""Romanised project names, so an English question can name a project the way it sounds.

English-speaking residents write plan names in romaji (「Nagasaki Denshujo」 for 長崎伝習所), which neither
BM25 (no shared token) nor the small embedding model (no shared meaning) can match. Sudachi gives each
name's reading in katakana; both that reading and the question's words are reduced to one coarse
*sound key*, so spelling variants meet: Hepburn or Kunrei (shi/si, jo/zyo), long vowels written or not
(Denshuujo/Denshujo), and the voicing a compound word takes (伝習所 is read デンシュウショ but said
デンシュウジョ).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable

_BASE = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n", "ヴ": "bu",
    "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o",
}  # fmt: skip
_SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}


def katakana_to_romaji(kana: str) -> str:
    """Hepburn romaji of a katakana (or hiragana) reading; unknown characters are dropped."""
    kana = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in kana)
    out: list[str] = []
    double_next = False
    for ch in kana:
        if ch == "ッ":
            double_next = True
            continue
        if ch in _SMALL_Y and out:
            prev = out.pop()
            stem = prev[:-1] if prev.endswith("i") else prev
            # シャ → sha, チョ → cho, ジュ → ju, キャ → kya
            syllable = stem + _SMALL_Y[ch] if stem.endswith(("sh", "ch", "j")) else stem + "y" + _SMALL_Y[ch]
            out.append(syllable)
            continue
        if ch == "ー":
            continue  # long vowels are dropped by sound_key anyway
        syllable = _BASE.get(ch)
        if syllable is None:
            continue
        if double_next:
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
            double_next = False
        out.append(syllable)
    return "".join(out)


_KUNREI = (("si", "shi"), ("ti", "chi"), ("tu", "tsu"), ("zi", "ji"), ("sy", "sh"), ("ty", "ch"), ("zy", "j"),
           ("jy", "j"), ("dy", "j"))  # fmt: skip
_VOICING = str.maketrans({"g": "k", "z": "s", "d": "t", "b": "h", "p": "h"})


def sound_key(romaji: str) -> str:
    """A coarse key two spellings of one Japanese word share (see the module docstring)."""
    key = re.sub(r"[^a-z]", "", romaji.lower())
    for kunrei, hepburn in _KUNREI:
        key = key.replace(kunrei, hepburn)
    key = re.sub(r"(?<![sc])hu", "fu", key)  # Kunrei hu → fu, but not the hu of shu/chu
    key = re.sub(r"m(?=[bp])", "n", key)
    key = key.replace("j", "sh").replace("shh", "sh").translate(_VOICING)
    key = re.sub(r"([aiueo])\1+", r"\1", key)  # long vowels: aa → a, uu → u
    return key.replace("ou", "o")


# A word spelled only with Japanese syllables (ka, shi, tsu, kyo, a doubled consonant, a final n):
# 「denshujo」 is one, 「using」 and 「spoke」 are not, so English words cannot stand in for names.
_ROMAJI_WORD = re.compile(
    r"(?:[aiueo]|(?:sh|ch|ts|j|f|[kgszdtnhbpmr]y?|[yw])[aiueo]|n(?![aiueoy])|t(?=ch)|([kstpgdbmcfhj])(?=\1))+"
)


def looks_like_romaji(word: str) -> bool:
    return _ROMAJI_WORD.fullmatch(word.lower()) is not None


class RomajiNames:
    """Finds projects whose romanised name an English question spells out.

    ``reading`` maps a name to its katakana readings (Sudachi's, one per morpheme). A question word
    that looks like romaji (or two adjacent ones run together) of at least ``min_len`` letters matches a
    name whose key holds it from one morpheme boundary to another (so 「site」 does not match inside
    アイシーティー); words that fit more than ``max_names`` different names (「nagasaki」, 「shimin」) say
    nothing about which one is meant and are ignored.
    """

    def __init__(self, names: Iterable[tuple[str, list[str]]], reading: Callable[[str], list[str]],
                 min_len: int = 6, max_names: int = 2) -> None:  # fmt: skip
        self.min_len = min_len
        self.max_names = max_names
        self.keys: list[tuple[str, frozenset[int], list[str]]] = []  # (key, morpheme boundaries, ids)
        for name, ids in names:
            parts = [sound_key(katakana_to_romaji(r)) for r in reading(name)]
            bounds = frozenset(itertools.accumulate((len(p) for p in parts), initial=0))
            self.keys.append(("".join(parts), bounds, ids))

    @staticmethod
    def _spans_morphemes(key: str, name_key: str, bounds: frozenset[int]) -> bool:
        start = name_key.find(key)
        while start != -1:
            if start in bounds and start + len(key) in bounds:
                return True
            start = name_key.find(key, start + 1)
        return False

    def find(self, text: str) -> tuple[str, ...]:
        words = [w for w in re.findall(r"[a-z]+", text.lower()) if looks_like_romaji(w)]
        candidates = words + [a + b for a, b in itertools.pairwise(words)]
        best: tuple[int, tuple[str, ...]] = (0, ())
        for word in candidates:
            key = sound_key(word)
            if len(key) < self.min_len:
                continue
            matches = [(nk, ids) for nk, bounds, ids in self.keys if self._spans_morphemes(key, nk, bounds)]
            if not matches or len({name_key for name_key, _ in matches}) > self.max_names:
                continue
            if len(key) > best[0]:
                best = (len(key), tuple(dict.fromkeys(i for _, ids in matches for i in ids)))
        return best[1]
