"""Smoke test of every catalogue profile the suite does not run on: installed, indexed, answering.

The whole suite runs on the default model; this keeps the other profile (installed by ``scripts/setup.sh
test``) working end to end, with its own calibration, on a few real dev-set questions.
"""

from __future__ import annotations

import json

import pytest

from assistant.embedding.catalogue import PROFILES
from tests.conftest import ROOT
from tests.realstack import MODEL_DIR, PROFILE_DIRS

pytestmark = pytest.mark.slow
OTHERS = [name for name in PROFILES if PROFILE_DIRS[name].resolve() != MODEL_DIR.resolve()]


def _dev_items(kind: str, n: int) -> list[dict]:
    lines = (ROOT / "tests" / "data" / "eval" / "dev_tuning.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    return [i for i in items if i["kind"] == kind and i["lang"] == "ja" and i["must_mention"]][:n]


@pytest.mark.parametrize("name", OTHERS)
def test_profile_installs_indexes_and_answers(name: str, profile_runtime) -> None:
    from assistant.answer.service import Answerer
    from assistant.embedding.calibration import calibration_for
    from assistant.embedding.install import is_installed, read_provenance
    from assistant.evaluation.answers import cited_text

    folder = PROFILE_DIRS[name]
    record = read_provenance(folder)
    assert record is not None and record["profile"] == name, f"run `assistant model install {name}`"
    assert is_installed(folder, {k: v for k, v in record.items() if k != "files"})
    runtime, stats = profile_runtime(name)
    assert stats["embedded"] == stats["chunks"] > 0  # a fresh index of its own
    assert runtime.settings.not_found_threshold == calibration_for(folder, name)["not_found_threshold"]
    assert runtime.encoder.dim == PROFILES[name].dim and runtime.encoder.backend == "onnx"
    answerer = Answerer(runtime.plan, runtime.searcher, runtime.settings)
    items = _dev_items("who", 2) + _dev_items("lookup", 2)
    answered = [all(m in cited_text(answerer.answer(i["question"])) for m in i["must_mention"]) for i in items]
    assert sum(answered) >= 3, list(zip([i["id"] for i in items], answered, strict=True))
