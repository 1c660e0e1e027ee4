"""Group near-duplicate citizen questions for the 「plan has no answer」 report.

The 広聴 side wants to see *what* people ask that the plan does not answer, not 300 rows of the same question
spelled five ways. Questions are reduced to a comparison key and clustered greedily by character-bigram
Jaccard similarity; the representative of a group is its most frequent wording.

The key (:func:`normalise_question`) is built to make spelling variants meet:

* NFKC and lower case (full-width ＡＢＣ, half-width ｶﾅ);
* PII placeholders (［電話番号］, …) removed: two people asking the same thing leave different details;
* katakana folded to hiragana (ゴミ = ごみ);
* punctuation, symbols and whitespace removed (「ゴミの出し方は？」);
* question boilerplate removed (教えて, 知りたい, ですか, について, …);
* a particle (の, は, を, が, に, へ, で, と, も, や) dropped when it stands before a kanji or at the end,
  so 「ごみの出し方は」 and 「ごみ出し方」 give the same key. This is a heuristic for a report, not
  morphology: occasionally a kana inside a word is dropped too, which only makes grouping a little looser.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

SIMILARITY_THRESHOLD = 0.6

_BOILERPLATE = re.compile(
    r"教えてください|教えて下さい|おしえてください|教えてほしい|教えて|おしえて"
    r"|知りたいです|知りたい|しりたい|ありますか|でしょうか|ですか|ますか|ください|下さい|について|とは"
)
_PLACEHOLDER = re.compile(r"\[(?:電話番号|メール|個人番号|郵便番号|氏名)\]")
_PARTICLE = re.compile(r"[のはをがにへでともや](?=[\u3400-\u9fff々a-z0-9]|$)")


def _katakana_to_hiragana(text: str) -> str:
    # ァ (U+30A1)..ヶ (U+30F6) sit exactly 0x60 above their hiragana; ー stays as it is.
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def normalise_question(text: str) -> str:
    """The comparison key for ``text`` (see the module docstring for the steps)."""
    text = unicodedata.normalize("NFKC", text).lower()
    # Masked details (［電話番号］ → [電話番号] after NFKC) say nothing about what was asked.
    text = _PLACEHOLDER.sub("", text)
    text = _katakana_to_hiragana(text)
    # Unicode categories P* (punctuation), S* (symbols), Z* and C* (spaces, controls) carry no wording.
    text = "".join(c for c in text if unicodedata.category(c)[0] not in "PSZC")
    text = _BOILERPLATE.sub("", text)
    stripped = _PARTICLE.sub("", text)
    # A question made only of particles and boilerplate would vanish; keep something to compare.
    return stripped or text


def bigrams(key: str) -> frozenset[str]:
    """Character bigrams of ``key``; a one-character key is its own single "bigram"."""
    if len(key) < 2:
        return frozenset([key]) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    # |A ∪ B| = |A| + |B| - |A ∩ B|: one set operation instead of two (this is the report's hot loop).
    common = len(a & b)
    return common / (len(a) + len(b) - common)


@dataclass
class Cluster:
    """One group of similar questions; ``members`` are the items added to it, in input order."""

    key: str
    grams: frozenset[str]
    members: list[dict] = field(default_factory=list)


def _prefix(grams: frozenset[str], rank: dict[str, int], threshold: float) -> list[str]:
    """The rarest ``|x| - ceil(t·|x|) + 1`` bigrams of a key (prefix filtering).

    If J(x, y) >= t then x and y share at least ceil(t·max(|x|, |y|)) bigrams, and two sets sharing that
    many must share one of these rarest few. So indexing and probing only prefixes finds every pair the
    full comparison would, while skipping the long posting lists of common bigrams like 「の場」.
    """
    ordered = sorted(grams, key=lambda gram: (rank[gram], gram))
    # The epsilon keeps float error (0.6 * 5 = 3.0000000000000004) from shortening the prefix.
    keep = len(ordered) - math.ceil(threshold * len(ordered) - 1e-9) + 1
    return ordered[:keep]


def cluster_questions(items: Iterable[dict], threshold: float = SIMILARITY_THRESHOLD) -> list[Cluster]:
    """Greedy clustering of ``items`` (dicts with at least a ``question`` key) by bigram Jaccard.

    Distinct keys are visited most frequent first, so a group's seed (and representative) is its most
    common wording; each key joins the first existing group (in creation order) whose seed is similar
    enough, else starts one. The candidates come from a prefix-filtered inverted index (see
    :func:`_prefix`), which gives the same groups as comparing with every seed, in far less time.
    """
    by_key: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_key[normalise_question(item["question"])].append(item)
    grams_of = {key: bigrams(key) for key in by_key}
    frequency = Counter(gram for grams in grams_of.values() for gram in grams)
    rank = dict(frequency)  # rarer bigrams first in every prefix

    clusters: list[Cluster] = []
    index: dict[str, list[int]] = defaultdict(list)
    # Most frequent first; ties by input order (callers pass the newest first), which dict order keeps.
    for key, members in sorted(by_key.items(), key=lambda kv: -len(kv[1])):
        grams = grams_of[key]
        prefix = _prefix(grams, rank, threshold)
        low, high = threshold * len(grams) - 1e-9, len(grams) / threshold + 1e-9
        candidates = sorted({i for gram in prefix for i in index[gram]})
        target = None
        for i in candidates:
            seed = clusters[i].grams
            # Size filter first: Jaccard >= t is impossible when one set is much bigger than the other.
            if low <= len(seed) <= high and jaccard(grams, seed) >= threshold:
                target = i
                break
        if target is None:
            target = len(clusters)
            clusters.append(Cluster(key=key, grams=grams))
            for gram in prefix:
                index[gram].append(target)
        clusters[target].members.extend(members)
    return clusters
