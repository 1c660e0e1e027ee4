"""The real pipeline for tests: the converted model, the Sudachi dictionary, FAISS, built once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.embedding.catalogue import PROFILES, get_profile
from assistant.liveserver import LiveServer, ServerError
from tests.conftest import CORPUS_DIR, ROOT


def _profile_dir(name: str) -> Path:
    return ROOT / "models" / get_profile(name).folder


def _default_model() -> str:
    from assistant.settings import Settings

    return os.environ.get("ASSISTANT_MODEL") or str(Settings.model_fields["model"].default)


# The suite runs on the default model (ASSISTANT_MODEL picks another profile, ASSISTANT_TEST_MODEL_DIR any folder).
MODEL_DIR = Path(os.environ.get("ASSISTANT_TEST_MODEL_DIR") or _profile_dir(_default_model()))
# Every catalogue profile installed by `scripts/setup.sh test`, for the smoke tests of the non-default ones.
PROFILE_DIRS = {name: _profile_dir(name) for name in PROFILES}


def real_settings(index_dir: Path, **overrides):
    from assistant.settings import Settings

    if not (MODEL_DIR / "modules.json").is_file():
        pytest.fail(f"model folder {MODEL_DIR} missing: run `scripts/setup.sh test` (or `assistant model install`)")
    return Settings(corpus_dir=CORPUS_DIR, model_dir=MODEL_DIR, index_dir=index_dir, **overrides)


def server_env(index_dir: Path, workdir: Path, **settings) -> dict[str, str]:
    """The environment of a test ``assistant serve``: the real corpus and model, ``index_dir``, a question log of
    its own in ``workdir`` and a rate limit no test reaches; ``settings`` add or replace ``ASSISTANT_<NAME>``."""
    env = {
        "ASSISTANT_CORPUS_DIR": str(CORPUS_DIR),
        "ASSISTANT_MODEL_DIR": str(MODEL_DIR),
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_FEEDBACK_DB": str(workdir / "questions.sqlite3"),
        "ASSISTANT_RATE_LIMIT": "100000/minute",
    }
    return env | {f"ASSISTANT_{name.upper()}": str(value) for name, value in settings.items()}


@contextmanager
def serving(workdir: Path, env: dict[str, str], **options) -> Iterator[LiveServer]:
    """A started real server for a fixture, stopped afterwards; one that does not start fails the test with its log."""
    server = LiveServer(workdir, env, **options)
    try:
        server.start()
    except ServerError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()
