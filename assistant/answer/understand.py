"""Question understanding by rules kept in ``rules.json``: intent, language and the facets a question names.

No generative model is available offline and answers must never be invented, so the assistant only
needs to know *what kind* of answer to compose (who / when / list / count / policy / lookup) and which
departments, policy codes, 重点プロジェクト tags and years the question names. All vocabulary lives in
the JSON file, so the rules can be read, tested and extended without touching code.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cached_property, lru_cache
from pathlib import Path

from assistant.answer.types import Question
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import years_in_text
from assistant.index.tokenizer import Tokenizer, code_tokens

RULES_PATH = Path(__file__).with_name("rules.json")
_POLICY_CODE = re.compile(r"(?<![A-Za-z])([A-Za-z])\s*(\d)(?:\s*-\s*(\d))?(?![\d/])")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def detect_lang(text: str) -> str:
    """``ja`` if the text has any kana or kanji, ``en`` if it is mostly Latin letters."""
    if _JAPANESE.search(text):
        return "ja"
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    return "en" if letters >= 3 else "ja"


class QuestionReader:
    """Turns a message into a :class:`Question` for one plan."""

    def __init__(self, plan: Plan, tokenizer: Tokenizer, rules_path: Path = RULES_PATH) -> None:
        self.plan = plan
        self.tokenizer = tokenizer
        self.rules = json.loads(rules_path.read_text(encoding="utf-8"))
        self.intent_vocabulary = {normalize(w) for w in self.rules["intent_vocabulary"]}

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

    def _has(self, text: str, words: list[str]) -> bool:
        return any(self._matcher(w)(text) for w in words)

    @staticmethod
    @lru_cache(maxsize=4096)
    def _matcher(word: str):
        """Substring test for Japanese words; whole-word test for ASCII ones ('list' ≠ 'listening')."""
        word = normalize(word).strip()
        if word.isascii():
            return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])").search
        return lambda text: word in text

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

    def departments(self, text: str) -> tuple[str, ...]:
        found: list[str] = []
        rest = text
        for alias, dept in self._department_aliases:
            if alias in rest:
                if dept not in found:
                    found.append(dept)
                rest = rest.replace(alias, " ")
        return tuple(found)

    def policy(self, raw: str) -> str | None:
        for m in _POLICY_CODE.finditer(normalize(raw)):
            code = m.group(1).upper() + m.group(2) + (f"-{m.group(3)}" if m.group(3) else "")
            if self.plan.node(code) is not None:
                return code
        return None

    def tag(self, text: str) -> str | None:
        for tag, words in self.rules["tags"].items():
            if self._has(text, words):
                return tag
        return None

    def named_projects(self, text: str) -> tuple[str, ...]:
        for name, ids in self._project_names:
            if name in text:
                return tuple(ids)
        return ()

    def read(self, message: str) -> Question:
        text = normalize(message)
        lang = detect_lang(message)
        intent = self.intent(text)
        departments = self.departments(text)
        tag = self.tag(text)
        years = tuple(years_in_text(message))
        policy = self.policy(message)
        named = self.named_projects(text)
        # Content left once the facets and the question frame are removed: decides whether a question
        # is only a filter (「DX推進課の事業は？」) and whether a short one leans on the previous answer.
        stripped = text
        for dept in departments:
            stripped = stripped.replace(normalize(dept), " ")
        codes = set(code_tokens(stripped))  # a policy code is a facet, not a topic word
        tokens = [
            t
            for t in self.tokenizer(stripped)
            if t not in self.intent_vocabulary and not t.isdigit() and t not in codes
        ]
        if tag:
            tag_words = {normalize(w) for w in self.rules["tags"][tag]}
            tokens = [t for t in tokens if not any(t in w for w in tag_words)]
        followup = self._has(text, self.rules["followup_words"]) or (not tokens and not named)
        return Question(
            text=message,
            lang=lang,
            intent=intent,
            departments=departments,
            policy=policy,
            tag=tag,
            years=years,
            starts=self._has(text, self.rules["starts_words"]),
            followup=followup,
            content_tokens=tuple(tokens),
            named_projects=named,
            policy_level=self.policy_level(text),
            complete=self._has(text, self.rules["complete_words"]),
        )
