"""Question understanding by rules kept in ``rules.json``: intent, language and the facets a question names.

No generative model is available offline and answers must never be invented, so the assistant only
needs to know *what kind* of answer to compose (who / when / list / count / policy / lookup) and which
departments, policy codes, 重点プロジェクト tags and years the question names. All vocabulary lives in
the JSON file, so the rules can be read, tested and extended without touching code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from functools import cached_property
from pathlib import Path

from assistant.answer.dialect import normalize_dialect
from assistant.answer.romaji import RomajiNames
from assistant.answer.topics import topic_words
from assistant.answer.types import Question
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import relative_years_in_text, without_relative_years, years_in_text
from assistant.index.tokenizer import STOPWORDS, Tokenizer, code_tokens
from assistant.retrieval.search import has_japanese
from assistant.text import ascii_word_pattern, fold, word_matcher

RULES_PATH = Path(__file__).with_name("rules.json")
_POLICY_CODE = re.compile(r"(?<![A-Za-z])([A-Za-z])\s*(\d)(?:\s*-\s*(\d))?(?![\d/])")


normalize = fold  # the name the answering stage has always used


def detect_lang(text: str) -> str:
    """``ja`` if the text has any kana or kanji, ``en`` if it is mostly Latin letters."""
    if has_japanese(text):
        return "ja"
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    return "en" if letters >= 3 else "ja"


class QuestionReader:
    """Turns a message into a :class:`Question` for one plan."""

    def __init__(self, plan: Plan, tokenizer: Tokenizer, rules_path: Path = RULES_PATH,
                 today: Callable[[], date] = date.today) -> None:  # fmt: skip
        self.plan = plan
        self.tokenizer = tokenizer
        self.today = today  # 「今年度」 is read against it; tests pass a fixed day
        self.rules = json.loads(rules_path.read_text(encoding="utf-8"))
        self.intent_vocabulary = {normalize(w) for w in self.rules["intent_vocabulary"]}
        # Words that frame a question or greet, never its topic (a message of only these asks nothing).
        self.frame_words = frozenset(
            self.intent_vocabulary
            | STOPWORDS
            | {normalize(w) for key in ("chatter_words", "english_stopwords", "city_names") for w in self.rules[key]}
        )
        # English frame words go before Sudachi sees them: it would spell them in katakana (projects →
        # プロジェクツ) and they would pass for topic words.
        self._ascii_frame = ascii_word_pattern([w for w in self.intent_vocabulary if w.isascii()])

    @cached_property
    def _department_aliases(self) -> list[tuple[str, str]]:
        """(alias, department) pairs, longest alias first: full names and names without 課/室."""
        pairs = []
        for dept in self.plan.department_counts:
            pairs.append((normalize(dept), dept))
            stem = re.sub(r"(課|室)$", "", dept)
            if len(stem) >= 3 and stem != dept:
                pairs.append((normalize(stem), dept))
        for alias, dept in self.rules["english_departments"].items():
            if dept in self.plan.department_counts:
                pairs.append((alias, dept))
        return sorted(pairs, key=lambda p: -len(p[0]))

    @cached_property
    def _project_names(self) -> list[tuple[str, list[str]]]:
        names: dict[str, list[str]] = {}
        for p in self.plan.projects:
            for name in {p.name, p.base_name}:
                if len(name) >= 4:
                    names.setdefault(normalize(name), []).append(p.id)
        return sorted(names.items(), key=lambda item: -len(item[0]))

    @cached_property
    def _romaji_names(self) -> RomajiNames | None:
        morphemes = getattr(self.tokenizer, "raw_morphemes", None)
        if morphemes is None:  # a plain callable tokenizer (unit tests) gives no readings
            return None
        names = [(name, ids) for name, ids in self._project_names if not name.isascii()]
        return RomajiNames(names, lambda name: [m.reading_form() for m in morphemes(name)])

    def _has(self, text: str, words: list[str]) -> bool:
        return any(word_matcher(w)(text) for w in words)

    def intent(self, text: str) -> str:
        for group in ("strong_intents", "intents"):
            for name, words in self.rules.get(group, {}).items():
                if self._has(text, words):
                    return name
        return "lookup"

    def policy_level(self, text: str) -> str | None:
        """``basic`` (基本施策) or ``policy`` (個別施策) when the question names the level it asks about."""
        for level, words in self.rules.get("policy_levels", {}).items():
            if self._has(text, words):
                return level
        return None

    def departments(self, text: str, intent: str = "lookup") -> tuple[str, ...]:
        """Departments named in the text. A name without its 課/室 (「市民税」 of 市民税課) is also a
        common noun, so it does not count in a question asking *which* department (「市民税ば払いそびれ
        とったら…どこの課？」 asks about a tax, not about 市民税課)."""
        found: list[str] = []
        rest = text
        for alias, dept in self._department_aliases:
            if alias in rest:
                is_stem = alias != normalize(dept) and not alias.isascii()  # English aliases are full names
                if dept not in found and not (is_stem and intent == "who"):
                    found.append(dept)
                rest = rest.replace(alias, " ")
        return tuple(found)

    def _code(self, m: re.Match[str]) -> str | None:
        """The plan's policy code a pattern match spells (「h3 - 1」 → H3-1), if the plan has it."""
        code = m.group(1).upper() + m.group(2) + (f"-{m.group(3)}" if m.group(3) else "")
        return code if self.plan.node(code) is not None else None

    def policy(self, raw: str) -> str | None:
        return next((code for m in _POLICY_CODE.finditer(normalize(raw)) if (code := self._code(m))), None)

    def tags(self, text: str) -> tuple[str, ...]:
        """Every 重点プロジェクト the question names (「経済再生とか少子化対策の」 names two)."""
        return tuple(tag for tag, words in self.rules["tags"].items() if self._has(text, words))

    def named_projects(self, text: str, lang: str = "ja") -> tuple[str, ...]:
        for name, ids in self._project_names:
            if name in text:
                return tuple(ids)
        if lang == "en" and self._romaji_names is not None:
            return self._romaji_names.find(text)  # 「Nagasaki Denshujo」 → 長崎伝習所事業
        return ()

    def years(self, message: str) -> tuple[int, ...]:
        """Years named outright (令和9年度, 2027) first, then relative ones (今年度, next year)."""
        named = years_in_text(message)
        relative = [y for y in relative_years_in_text(message, self.today()) if y not in named]
        return tuple(named + relative)

    def _has_noun(self, text: str, tokens: set[str]) -> bool:
        """Whether a noun among the content tokens gives the question a topic of its own."""
        nouns = getattr(self.tokenizer, "nouns", None)
        if nouns is None:  # a plain callable tokenizer: every content token counts
            return bool(tokens)
        return bool(nouns(text) & tokens)

    def content(self, text: str, departments: tuple[str, ...], tags: tuple[str, ...]):
        """What is left once the facets and the question frame are removed: (the text, its tokens, its topic
        words). It decides whether a question is only a filter (「DX推進課の事業は？」) and whether a short
        one leans on the previous answer."""
        stripped = text
        for dept in departments:
            stripped = stripped.replace(normalize(dept), " ")
        codes = set(code_tokens(stripped))  # a policy code is a facet, not a topic word
        stripped = _POLICY_CODE.sub(lambda m: " " if self._code(m) else m.group(0), stripped)  # no stray 「h」
        stripped = self._ascii_frame.sub(" ", stripped)
        # 「どがん」 = どんな: Sudachi would read がん as a noun; 「または」 joins facets, it is no topic.
        for word in (*self.rules["dialect_frame"], *self.rules["or_words"]):
            stripped = stripped.replace(word, " ")
        tokens = [
            t
            for t in self.tokenizer(stripped)
            if t not in self.intent_vocabulary and not t.isdigit() and t not in codes
        ]
        topics = topic_words(self.tokenizer, stripped, self.frame_words)
        if tags:
            tag_words = {normalize(w) for tag in tags for w in self.rules["tags"][tag]}
            tokens = [t for t in tokens if not any(t in w for w in tag_words)]
            topics = tuple(w for w in topics if not any(w.form in t for t in tag_words))
        return stripped, tokens, topics

    def read(self, message: str) -> Question:
        lang = detect_lang(message)
        # Dialect grammar (「情報ば見られると？」) is rewritten before anything reads the words: Sudachi and the
        # embedder both know the standard form (「情報を見られるの？」). The answer still quotes the asker.
        asked, message = message, normalize_dialect(message) if lang == "ja" else message
        text = normalize(message)
        intent = self.intent(text)
        policy = self.policy(message)
        if policy and self._has(text, self.rules["goal_words"]):
            intent = "policy"  # 「H1-2は2025年度にどうなることを目指してる？」 asks the goal of the 施策 named
        departments = self.departments(text, intent)
        tags = self.tags(text)
        years = self.years(message)
        named = self.named_projects(text, lang)
        stripped, tokens, topics = self.content(text, departments, tags)
        # 「this year」 is a year, not a pointer back to the previous answer.
        refers_back = self._has(without_relative_years(text), self.rules["followup_words"])
        followup = refers_back or (not tokens and not named)
        set_words = self._has(text, self.rules["set_words"])
        if intent == "count" and not (set_words or departments or tags or policy or years):
            # 「ふるさと納税の寄付は何件集まった？」 asks a figure of a row, not how many rows the plan has:
            # read as a lookup, where the figure is quoted if the row states one (else: not in the plan).
            intent = "lookup"
        return Question(
            text=message,
            asked=asked,
            lang=lang,
            intent=intent,
            departments=departments,
            policy=policy,
            tags=tags,
            years=years,
            starts=self._has(text, self.rules["starts_words"]),
            since=self._has(text, self.rules["since_words"]),
            followup=followup,
            refers_back=refers_back,
            topic_nouns=self._has_noun(stripped, set(tokens)),
            set_words=set_words,
            content_tokens=tuple(tokens),
            named_projects=named,
            policy_level=self.policy_level(text),
            complete=self._has(text, self.rules["complete_words"]),
            topic_words=topics,
        )
