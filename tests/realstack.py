"""The real pipeline for tests: the converted model, the Sudachi dictionary, FAISS, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DIR, ROOT

MODEL_DIR = Path(os.environ.get("ASSISTANT_TEST_MODEL_DIR", ROOT / "models" / "multilingual-e5-small"))


def real_settings(index_dir: Path, **overrides):
    from assistant.settings import Settings

    if not (MODEL_DIR / "modules.json").is_file():
        pytest.fail(f"model folder {MODEL_DIR} missing: run `scripts/setup.sh test` (or `assistant model install`)")
    return Settings(corpus_dir=CORPUS_DIR, model_dir=MODEL_DIR, index_dir=index_dir, **overrides)
