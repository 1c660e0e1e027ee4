"""Personal-data spans found by presidio-analyzer with GiNZA (ja_ginza), for scripts/pii_report.py.

Run by the python of a separate virtual environment holding ``presidio-analyzer`` and ``ja-ginza`` (both
from PyPI; the model ships inside the ja-ginza wheel, nothing is downloaded at run time). Reads a JSON list
of texts on stdin, writes ``{"spans": [[[start, end, kind], ...], ...], "stats": {...}}`` on stdout.
Standard library and presidio only: it does not import the project.

The configuration is presidio's documented one for a spaCy model of another language: the default
recognizers that are not tied to English, and GiNZA's named entities (Extended Named Entity labels)
mapped to presidio entities. GiNZA labels Person as PERSON; Province/City/Country/GPE_Other/Address and
similar place labels as LOCATION.
"""

from __future__ import annotations

import json
import resource
import sys
import time

# GiNZA's Extended Named Entity labels → the sample's kinds.
PERSON_LABELS = {"Person"}
PLACE_LABELS = {"Province", "City", "County", "Country", "GPE_Other", "Address_Other", "Postal_Address",
                "Location", "Location_Other", "Domestic_Region", "Region_Other", "Town", "Street"}  # fmt: skip
KIND_OF = {"PERSON": "name", "LOCATION": "address", "PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email",
           "CREDIT_CARD": "card"}  # fmt: skip


def analyzer():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "ja", "model_name": "ja_ginza"}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {
                **dict.fromkeys(PERSON_LABELS, "PERSON"),
                **dict.fromkeys(PLACE_LABELS, "LOCATION"),
            },
            "low_confidence_score_multiplier": 1.0,
            "low_score_entity_names": [],
        },
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    registry = RecognizerRegistry(supported_languages=["ja"])
    registry.load_predefined_recognizers(languages=["ja"], nlp_engine=nlp_engine)
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer, PhoneRecognizer

    # The pattern recognizers default to English; they hold no English words, so they serve Japanese too.
    registry.add_recognizer(EmailRecognizer(supported_language="ja"))
    registry.add_recognizer(CreditCardRecognizer(supported_language="ja"))
    registry.add_recognizer(PhoneRecognizer(supported_language="ja", supported_regions=("JP",)))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["ja"])


def main() -> None:
    texts = json.loads(sys.stdin.read())
    started = time.perf_counter()
    engine = analyzer()
    engine.analyze("準備", language="ja")
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    spans = []
    for text in texts:
        results = engine.analyze(text, language="ja", score_threshold=0.3)
        spans.append([[r.start, r.end, KIND_OF[r.entity_type]] for r in results if r.entity_type in KIND_OF])
    ms = (time.perf_counter() - started) * 1000 / max(len(texts), 1)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"spans": spans, "stats": {"load_s": load_s, "ms_per_string": ms, "rss_mb": rss}}))


if __name__ == "__main__":
    main()
