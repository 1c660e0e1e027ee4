"""Nagasaki / Kyushu dialect → standard Japanese, before tokenizing (Sudachi) and embedding.

Residents type the way they talk: 「地図で市の情報ば見られるサイトはあると？」. Sudachi and the embedding
model were trained on standard Japanese, so dialect particles and endings split content words badly
(情報ば, やっとる → やっ+とる 'take') and the question loses its meaning. Rewriting the grammar into the
standard form first (「情報を見られるサイトはあるの？」) lets the content words survive unchanged.

The rules live in ``dialect.json`` (ordered regex → replacement, each with an English note) so staff can
read and extend them without touching code. Patterns may use ``{NAME}`` macros for shared character
classes; they are expanded when the file is loaded.

Covered (grammar, not topics):

* object particle ば → を, only between a noun-like word and a verb-like continuation;
* demonstratives どがん/そがん/こがん/あがん (げん) → どう/どんな, そう/そんな, こう/こんな, ああ/あんな;
* progressive/resultative 〜よる and 〜とる/〜どる (しよる, やりよる, やっとる, 読んどる) → 〜ている/〜でいる,
  including past, negative and polite forms;
* existence verb おる/おった/おらん → いる/いた/いない;
* negative 〜ん for a listed set of common verbs (知らん, わからん, できん, 行かん, 来ん, 見らん) and せん → しない;
* obligation 〜んばいかん / 〜んといかん → 〜なければいけない / 〜ないといけない;
* か-adjectives よか, なか and listed stems (多か, 高か, 新しか, 欲しか) → いい, ない, 多い...;
* 〜ごたる: 見たごたる → 見たい, 雨んごたる → 雨のような;
* reason けん / やけん → から / だから, conjunction ばってん → けど;
* sentence-final と？/とよ/とです → の？/のよ/のです; emphatic っちゃ(ん), ばい, たい are dropped.

Deliberately left alone, because the same letters are common standard Japanese:

* ば after hiragana (行けば, あれば, なければ: conditionals) and ばかり/ばね/ばあい/おばあちゃん, 半ば,
  選ばれる/遊ばない;
* と that is quotative or 'and' (市と県, 聞いたと言っていた): only a final と right after a verb ending is
  rewritten; after an adjective/ない only in questions, so 「行かないと。」 'I must go' is kept;
* desire 〜たい (見たい), humble keigo おります/おりません, literary 〜ておる, おって (also 追って);
* よかった/よかれ/よかろう, なかった/なかなか/なかま/おなか/まんなか/いなか, 中/仲/真ん中;
* the copula や (宿題やった is standard 'did the homework'), except in the unambiguous やけん.

Known gaps, accepted to keep standard text safe: nominal と before は (払うとは: standard 〜とは思わない),
desire 〜たか at the end of a sentence (聞きたか。: standard past question できたか), なか after の (時間のなか
reads as 'inside'), ば after other hiragana nouns than the few listed, ば after あれ (あれば = 'if there is').
Known accepted false positives: hiragana 立ちよる 'drop by' becomes 立っている, 来たごたる becomes desire
(来たい), hiragana 羽織る after は (人はおる wins), 見てとる 'perceive' becomes 見ている.

Question marks may be full-width or half-width; text without hiragana (English, codes) is returned as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RULES_PATH = Path(__file__).with_name("dialect.json")
_MACRO = re.compile(r"\{([A-Z][A-Z_]*)\}")  # upper-case only, so regex quantifiers like {2} are never taken
_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_MAX_PASSES = 3


@dataclass(frozen=True)
class DialectRule:
    pattern: re.Pattern[str]
    replace: str
    note: str

    def apply(self, text: str) -> str:
        return self.pattern.sub(self.replace, text)


def expand_macros(pattern: str, macros: dict[str, str]) -> str:
    """Replace ``{NAME}`` by ``macros[NAME]``; macros may use other macros, so repeat until stable."""
    for _ in range(10):  # bounded: a macro that names itself must fail loudly, not loop forever
        if not _MACRO.search(pattern):
            return pattern
        pattern = _MACRO.sub(lambda m: macros[m.group(1)], pattern)
    raise ValueError(f"dialect macros nest too deeply (cycle?) in {pattern!r}")


def load_rules(path: Path | str = RULES_PATH) -> tuple[DialectRule, ...]:
    """Rules in file order. The file is either a bare list of rules or ``{"macros": {...}, "rules": [...]}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    macros, entries = ({}, data) if isinstance(data, list) else (data.get("macros", {}), data["rules"])
    rules = []
    for entry in entries:
        try:
            pattern = re.compile(expand_macros(entry["pattern"], macros))
        except (re.error, KeyError) as error:  # name the rule: a typo in one line should be easy to find
            raise ValueError(f"bad dialect rule {entry.get('pattern')!r}: {error}") from error
        rules.append(DialectRule(pattern, entry["replace"], entry.get("note", "")))
    return tuple(rules)


def apply_rules(text: str, rules: tuple[DialectRule, ...]) -> str:
    """Apply the rules in order, repeating the whole list until nothing changes.

    The rules are ordered so one pass is normally enough; repeating makes ``normalize(normalize(x)) ==
    normalize(x)`` hold by construction even when a later rule (say, dropping a final particle) exposes a
    pattern an earlier rule would have rewritten.
    """
    if not text or not _HIRAGANA.search(text):  # dialect grammar is written in hiragana: English passes untouched
        return text
    for _ in range(_MAX_PASSES):
        rewritten = text
        for rule in rules:
            rewritten = rule.apply(rewritten)
        if rewritten == text:
            break
        text = rewritten
    return text


class DialectNormalizer:
    """Callable normalizer over one rules file (the default file unless told otherwise)."""

    def __init__(self, path: Path | str = RULES_PATH) -> None:
        self.rules = load_rules(path)

    def __call__(self, text: str) -> str:
        return apply_rules(text, self.rules)


@lru_cache(maxsize=1)
def default_normalizer() -> DialectNormalizer:
    # Loaded once per process: the rules file is read and compiled on first use only.
    return DialectNormalizer()


def normalize_dialect(text: str) -> str:
    """Rewrite Nagasaki / Kyushu dialect grammar in ``text`` into standard Japanese (pure, idempotent)."""
    return default_normalizer()(text)
