"""Topic words of a question and how specific each is, for the coverage decision.

A *topic word* is a meaning-carrying noun of the question once the question frame (intent words such as
担当・事業・いつ, dialect frame words, facets) is removed: 「ふるさと納税の返礼品は何がもらえると？」 → ふるさと納税,
返礼品. Numbers, pronouns and adverb-like nouns (今日, いくら) carry no topic. English words come from the
ASCII surface, since Sudachi spells them in katakana; English function words (where, can, the) are frame
words of the question reader (rules.json). Word frequency cannot tell them from content words: people is
as frequent as does.

Whether a topic word the plan never uses is *specific* (返礼品, 粗大ごみ: the question is about something the
plan does not cover) or *common* (料金, 方法) is read from a general frequency list, ``wordfreq``: its Zipf
value (log10 of frequency per billion words). Its Japanese list was cut by MeCab, so a Sudachi compound it
lacks (駐車場) is given the value of its rarest mode-A part (駐車, 場).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_TAG = re.compile(r"<[^>]{0,200}>")
# Second and third POS levels that carry no topic (Sudachi: 数詞, 代名詞; 今日・いくら are 副詞可能, 円・件 助数詞可能).
_NO_TOPIC = frozenset({"数詞", "代名詞", "副詞可能", "助数詞可能"})


@dataclass(frozen=True, slots=True)
class TopicWord:
    form: str  # Sudachi normalized form, lower-cased (what the plan's tokens are compared with)
    surface: str  # as the question wrote it (quoted back in 「…についての記載はありません」)
    latin: bool  # an English (ASCII) word
    parts: tuple[str, ...] = ()  # surfaces of its Sudachi mode-A parts, when it is a compound


def strip_markup(text: str) -> str:
    """The text without HTML tags: a pasted snippet is not a question about its tag names."""
    return _TAG.sub(" ", text)


def topic_words(tokenizer, text: str, frame: set[str] | frozenset[str]) -> tuple[TopicWord, ...]:
    """Topic nouns of ``text`` in order, each once; ``frame`` holds normalized forms that never count."""
    morphemes = getattr(tokenizer, "morphemes", None)
    if morphemes is None:  # a plain callable tokenizer (unit tests): every token counts
        return tuple(TopicWord(t, t, t.isascii()) for t in dict.fromkeys(tokenizer(text)) if t not in frame)
    from sudachipy import SplitMode

    words: dict[str, TopicWord] = {}
    for m in morphemes(strip_markup(text)):
        pos = m.part_of_speech()
        if pos[0] != "名詞" or pos[1] in _NO_TOPIC or pos[2] in _NO_TOPIC:
            continue
        surface = m.surface()
        latin = surface.isascii()
        form = surface.lower() if latin else m.normalized_form().lower()
        if form in frame or (not latin and len(form) == 1 and not _is_kanji(form)):
            continue
        if latin and (len(form) < 2 or not form.isalpha()):
            continue
        pieces = m.split(SplitMode.A) if not latin else []
        if len(pieces) > 1 and all(p.normalized_form().lower() in frame for p in pieces):
            continue  # 担当課 = 担当 + 課: a compound of frame words frames the question too
        parts = tuple(p.surface() for p in pieces)
        words.setdefault(form, TopicWord(form, surface, latin, parts if len(parts) > 1 else ()))
    return tuple(words.values())


def _is_kanji(ch: str) -> bool:
    return "CJK" in unicodedata.name(ch, "")


@lru_cache(maxsize=2)
def _frequencies(lang: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict

    # get_frequency_dict reads the list as is; zipf_frequency would tokenize Japanese with MeCab.
    return get_frequency_dict(lang)


def _zipf(frequency: float) -> float:
    import math

    return max(0.0, math.log10(frequency) + 9.0) if frequency > 0 else 0.0


@lru_cache(maxsize=8192)
def english_zipf(word: str) -> float:
    return _zipf(_frequencies("en").get(word.lower(), 0.0))


def zipf(word: TopicWord) -> float:
    """How common the word is in general text (0: unknown). A Japanese compound the list lacks takes the
    value of its rarest part, an unknown part making it unknown."""
    if word.latin:
        return english_zipf(word.form)
    table = _frequencies("ja")
    for key in (word.surface, word.form):
        if key in table:
            return _zipf(table[key])
    return min((_zipf(table.get(p, 0.0)) for p in word.parts), default=0.0)
