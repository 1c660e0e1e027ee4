"""Does the plan cover the question? Several signals, weighed by a small logistic model fitted per model.

One similarity threshold cannot tell 「ふるさと納税の返礼品は？」 (a plan row shares its words, but not what
is asked) from an in-scope question in everyday words. So :class:`CoverageJudge` reads several signals
(:data:`FEATURES`) from the question, the search results and the plan's vocabulary:

* ``dense`` / ``line`` / ``margin``: similarity of the best row, of its best sentence, and the lead over
  the second row;
* ``lexical``: the best BM25 score (log);
* ``row_share`` / ``plan_share``: the share of the question's topic words found in the best row / anywhere
  in the plan (directly or through the thesaurus);
* ``missing_rare``: how specific the most specific topic word the plan never uses is (6 − its Zipf value
  in general text, :mod:`assistant.answer.topics`): 返礼品 or 粗大ごみ, not 料金; ``row_missing_rare`` the
  same for the words the best row does not use (a near miss asks about a specific thing the row lacks,
  an everyday paraphrase of a row misses only common words);
* ``prototype_gap``: similarity to the nearest out-of-scope service (assistant/index/contrast.py) minus
  ``dense``;
* ``aspect_unmet``: how many kinds of fact the question names (an amount, a phone number, opening hours, a date,
  an age limit, one's own case: ``aspects.json``) that the best row does not state; when it *asks* for one (いくら, 電話番号)
  and the row shares its topic, the answer is ``partly`` whatever the model says;
* ``topics`` (log count), ``english`` and ``english_dense`` (cross-lingual scores run lower).

:class:`CoverageModel` holds the standardisation and weights, fitted on tuning data by
``assistant model calibrate`` (:mod:`assistant.evaluation.calibrate`) and stored with the model's other
calibrated values. Its probability gives the outcome:

* ``covered`` (confidence ``high`` at or above ``high``, else ``low``);
* ``partly``: refused, but a topic word of the question is in the nearest row: the topic is near a row,
  the thing asked is not in the plan;
* ``not_covered``: refused with no such word;
* ``nothing``: nothing to look up at all (greetings, thanks, keyboard mashing), decided before any search.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.answer.topics import TopicWord, zipf
from assistant.answer.types import Question
from assistant.index.contrast import contrast_texts
from assistant.retrieval.types import SearchResults
from assistant.text import fold as normalize
from assistant.text import word_matcher

ASPECTS_PATH = Path(__file__).with_name("aspects.json")
FEATURES = (
    "dense", "line", "margin", "lexical", "row_share", "plan_share", "missing_rare", "row_missing_rare",
    "prototype_gap", "aspect_unmet", "topics", "english", "english_dense",
)  # fmt: skip
SPECIFIC_ZIPF = 6.0  # missing_rare = SPECIFIC_ZIPF - zipf: words rarer than everyday ones count
OUTCOMES = ("covered", "partly", "not_covered", "nothing")


@dataclass(frozen=True, slots=True)
class Signals:
    values: dict[str, float]
    in_row: tuple[TopicWord, ...] = ()
    missing: tuple[TopicWord, ...] = ()  # topic words the plan never uses, most specific first
    unmet: tuple[str, ...] = ()  # labels of kinds of fact asked for (いくら) that the best row does not state

    def vector(self) -> np.ndarray:
        return np.array([self.values[name] for name in FEATURES], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # see OUTCOMES
    confidence: str  # high | low | none
    probability: float | None = None
    missing: tuple[str, ...] = ()  # surfaces of specific topic words the plan does not use

    @property
    def covered(self) -> bool:
        return self.outcome == "covered"


@dataclass(frozen=True, slots=True)
class CoverageModel:
    """Logistic regression over standardised :data:`FEATURES`: P(the plan covers the question)."""

    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float = 0.5  # below: refused
    high: float = 0.9  # at or above: confidence "high"
    partly: float = 0.0  # a refusal at or above this, sharing a topic word with the row, is "partly"
    features: tuple[str, ...] = field(default=FEATURES)

    @classmethod
    def from_dict(cls, data: dict | None) -> CoverageModel | None:
        """The stored model, or None when there is none or it was fitted on other features."""
        if not data or tuple(data.get("features", ())) != FEATURES:
            return None
        keys = ("weights", "means", "scales")
        return cls(**{k: tuple(data[k]) for k in keys}, bias=data["bias"], threshold=data["threshold"],
                   high=data["high"], partly=data.get("partly", 0.0))  # fmt: skip

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "weights": [round(w, 5) for w in self.weights],
            "bias": round(self.bias, 5),
            "means": [round(m, 5) for m in self.means],
            "scales": [round(s, 5) for s in self.scales],
            "threshold": round(self.threshold, 4),
            "high": round(self.high, 4),
            "partly": round(self.partly, 4),
        }

    def probability(self, signals: Signals) -> float:
        z = (signals.vector() - np.array(self.means)) / np.array(self.scales)
        logit = float(z @ np.array(self.weights) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


@dataclass(frozen=True, slots=True)
class Aspect:
    """A kind of fact a question may ask for (an amount, a phone number), and how a row states it."""

    labels: dict[str, str]
    asks: tuple[Callable[[str], bool], ...]  # words that ask for the fact (いくら)
    cues: tuple[Callable[[str], bool], ...]  # words of its kind that may just be the topic (料金)
    evidence: tuple[re.Pattern[str], ...]
    except_set_words: bool = False  # 「事業はいくつ？」 counts rows, which the plan has

    def applies(self, q: Question) -> bool:
        return not (self.except_set_words and q.set_words)

    def asked(self, text: str, q: Question) -> bool:
        return self.applies(q) and any(ask(text) for ask in self.asks)

    def mentioned(self, text: str, q: Question) -> bool:
        return self.asked(text, q) or (self.applies(q) and any(cue(text) for cue in self.cues))

    def stated(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self.evidence)


def load_aspects(path: Path = ASPECTS_PATH) -> list[Aspect]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))["aspects"]
    return [
        Aspect(
            a["label"],
            tuple(word_matcher(c) for c in a["asks"]),
            tuple(word_matcher(c) for c in a["cues"]),
            tuple(re.compile(e) for e in a["evidence"]),
            a.get("except_set_words", False),
        )
        for a in data.values()
    ]


class CoverageJudge:
    """Signals and verdicts for one plan, searcher and (optional) fitted model."""

    def __init__(self, plan, searcher, model: CoverageModel | None, settings):
        self.plan, self.searcher, self.model, self.settings = plan, searcher, model, settings
        self.tokenizer = searcher.tokenizer
        # Each document's words as BM25 indexes them (its row chunks), so a new chapter needs no code.
        words: dict[str, set[str]] = {}
        self.doc_text: dict[str, str] = {}  # what the aspects look for evidence in (an amount, a date)
        for chunk in (c for c in searcher.index.chunks if c.scope == "row"):
            words.setdefault(chunk.doc_id, set()).update(self.tokenizer(chunk.text))
            self.doc_text[chunk.doc_id] = self.doc_text.get(chunk.doc_id, "") + "\n" + chunk.text
        self.doc_words = {doc: frozenset(ws) for doc, ws in words.items()}
        self.aspects = load_aspects()
        self.plan_words = frozenset().union(*self.doc_words.values())
        # Built with the index; an index built before they existed gets them now (slow: the document graph).
        stored = searcher.index.contrast
        self.prototypes = stored if stored is not None else searcher.encoder.encode_documents(contrast_texts())

    # --- signals -----------------------------------------------------------------------------------

    def _words_of(self, word: TopicWord) -> set[str]:
        """The plan tokens a topic word stands for: itself, and for an English word its thesaurus targets.

        Japanese words are taken as asked: the thesaurus was grown on the dev set's wording, so through it
        the dev questions would look better covered than new ones, and the model fitted on them would trust
        the lexical signals more than they deserve on questions nobody has seen."""
        words = {word.form}
        thesaurus = self.searcher.thesaurus
        if thesaurus is not None and word.latin:
            words.update(self.tokenizer(thesaurus.expand(word.surface)))
        return words

    def signals(self, q: Question, results: SearchResults) -> Signals:
        hits = results.hits
        best = hits[0]
        dense = best.dense_score if best.dense_score is not None else -1.0
        second = max((h.dense_score for h in hits[1:] if h.dense_score is not None), default=dense)
        row = self.doc_words.get(best.id, frozenset())
        words = [(w, self._words_of(w)) for w in q.topic_words]
        in_row = tuple(w for w, forms in words if forms & row)
        in_plan = [w for w, forms in words if forms & self.plan_words]
        missing = sorted((w for w, forms in words if not forms & self.plan_words), key=zipf)
        off_row = [w for w, forms in words if not forms & row and not w.latin]
        n = len(words)
        vector = self.searcher.embed_query(self.searcher.dense_query(q.text))
        asked = normalize(q.text)
        unstated = [a for a in self.aspects if not a.stated(self.doc_text.get(best.id, ""))]
        unmet = self.unmet_aspects(q, best.id)
        mentioned = sum(1 for a in unstated if a.mentioned(asked, q))
        english = 1.0 if q.lang == "en" else 0.0
        values = {
            "dense": dense,
            "line": best.line_score if best.line_score is not None else dense,
            "margin": dense - second,
            "lexical": math.log1p(max(results.lexical_top, 0.0)),
            "row_share": len(in_row) / n if n else 0.0,
            "plan_share": len(in_plan) / n if n else 0.0,
            "missing_rare": max(0.0, SPECIFIC_ZIPF - zipf(missing[0])) if missing else 0.0,
            "row_missing_rare": max((max(0.0, SPECIFIC_ZIPF - zipf(w)) for w in off_row), default=0.0),
            "prototype_gap": float(np.max(self.prototypes @ vector)) - dense,
            "aspect_unmet": float(mentioned),
            "topics": math.log1p(n),
            "english": english,
            "english_dense": english * dense,
        }
        return Signals(values, in_row, tuple(missing), unmet)

    def unmet_aspects(self, q: Question, doc_id: str) -> tuple[str, ...]:
        """Labels of the kinds of fact the question asks for (いくら, 電話番号) that the row does not state."""
        asked = normalize(q.text)
        text = self.doc_text.get(doc_id, "")
        return tuple(a.labels[q.lang] for a in self.aspects if a.asked(asked, q) and not a.stated(text))

    # --- verdicts ----------------------------------------------------------------------------------

    def nothing_to_answer(self, q: Question) -> bool:
        """Greetings, thanks, keyboard mashing: no topic word, facet or project name to look up."""
        if q.named_projects or q.departments or q.policy or q.tags or q.years:
            return False
        known = [w for w in q.topic_words if not (w.latin and zipf(w) == 0.0 and w.form not in self.plan_words)]
        return not known

    def judge(self, q: Question, results: SearchResults) -> Verdict:
        if not results.hits or results.hits[0].dense_score is None:
            return Verdict("not_covered", "none")
        signals = self.signals(q, results)
        if self.model is None:
            return self._by_threshold(q, results, signals)
        p = self.model.probability(signals)
        if p >= self.model.threshold and signals.unmet and signals.in_row:
            # Near a row, but asking for a fact of a kind it does not state (「…はいくら？」): say so.
            return Verdict("partly", "none", p, signals.unmet[:1])
        if p >= self.model.threshold:
            return Verdict("covered", "high" if p >= self.model.high else "low", p)
        return self._refusal(signals, p)

    def _refusal(self, signals: Signals, p: float | None) -> Verdict:
        # What the plan does not say: the asked kind of fact (金額), else the specific words it never uses.
        missing = signals.unmet[:1] or tuple(w.surface for w in signals.missing[:2] if not w.latin)
        # Partly: the row shares a topic word and is near enough (a shared 登録 alone does not make
        # 「犬の登録」 a question about the row on 扶養情報の登録).
        near = p is None or self.model is None or p >= self.model.partly
        outcome = "partly" if signals.in_row and near else "not_covered"
        return Verdict(outcome, "none", p, missing if outcome == "partly" else ())

    def _by_threshold(self, q: Question, results: SearchResults, signals: Signals) -> Verdict:
        """A model folder with no fitted coverage model (never calibrated): the settings' single-threshold rule."""
        s = self.settings
        dense = results.hits[0].dense_score
        threshold = s.not_found_threshold_en if q.lang == "en" else s.not_found_threshold
        if q.lang == "ja" and results.lexical_top < s.weak_lexical:
            threshold += s.lexical_margin
        if dense < threshold:
            return self._refusal(signals, None)
        return Verdict("covered", "high" if dense >= threshold + s.low_confidence_margin else "low")
