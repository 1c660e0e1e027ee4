"""Broken index and model folders: ``assistant serve`` refuses to start with one clear line, never a traceback.

Each fault is made in a copy (the session's test index copied into a temporary folder; a model folder of
copied small files plus a symlink to the real weights), then ``python -m assistant serve`` runs against
it. It must exit non-zero, print exactly one line on stderr that names the broken file (or folder) and the
command that fixes it, and print no Python traceback. The faults run as parallel subprocesses: all but one
fail in the start-up checks (assistant/preflight.py) within a second or two; "other model's index" can
only be told apart from a damaged model once the model has loaded, so it takes one slow start.

tests/retrieval/test_index_state.py covers load_index() itself and a build interrupted by an exception
(KeyboardInterrupt, with its clean-up). Here a real ``assistant index build`` process is SIGKILLed in the
middle, where no clean-up code runs: the live index must still be the old one, intact and loadable.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.liveserver import ROOT, free_port, python_executable
from tests.conftest import CORPUS_DIR
from tests.realstack import MODEL_DIR

pytestmark = pytest.mark.slow

INDEX_FIX = "`assistant index build`"
MODEL_FIX = "`assistant model install --force`"


@dataclass
class Fault:
    """How to break the copies (returns env overrides, if any), and what the one error line must mention."""

    make: Callable[[Path, Path, Path], dict[str, str] | None]  # (work, index copy, model copy) -> env
    mentions: tuple[str, ...]
    fix: str


def _regular(path: Path) -> Path:
    # The model copy symlinks the real weights: never write through a link into the real model folder.
    assert not path.is_symlink(), path
    return path


def _truncate(path: Path) -> None:
    _regular(path).write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    data = bytearray(_regular(path).read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0x5A for b in data[middle : middle + 64])  # same size, other bytes
    path.write_bytes(bytes(data))


def _edit_manifest(index: Path, **changes) -> None:
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    (index / "manifest.json").write_text(json.dumps({**manifest, **changes}), encoding="utf-8")


def _lexical_file(index: Path) -> Path:
    """Some file of the BM25 index (its names belong to bm25s, so pick one rather than hard-code it)."""
    return sorted(p for p in (index / "lexical").rglob("*") if p.is_file())[0]


def _replace_weights(model: Path, size: int | None) -> None:
    (model / "model.safetensors").unlink()  # removes the symlink only
    if size is not None:
        (model / "model.safetensors").write_bytes(b"\0" * size)


def index_fault(action: Callable[[Path], object]) -> Callable[[Path, Path, Path], None]:
    def make(work: Path, index: Path, model: Path) -> None:
        action(index)

    return make


def model_fault(action: Callable[[Path], object]) -> Callable[[Path, Path, Path], None]:
    def make(work: Path, index: Path, model: Path) -> None:
        action(model)

    return make


FAULTS = {
    "index missing": Fault(lambda w, i, m: {"ASSISTANT_INDEX_DIR": str(w / "no-index")}, ("no-index",), INDEX_FIX),
    "faiss truncated": Fault(index_fault(lambda i: _truncate(i / "dense.faiss")), ("dense.faiss",), INDEX_FIX),
    "faiss garbled": Fault(index_fault(lambda i: _garble(i / "dense.faiss")), ("dense.faiss",), INDEX_FIX),
    "faiss deleted": Fault(index_fault(lambda i: (i / "dense.faiss").unlink()), ("dense.faiss",), INDEX_FIX),
    "manifest truncated": Fault(index_fault(lambda i: _truncate(i / "manifest.json")), ("manifest.json",), INDEX_FIX),
    "manifest deleted": Fault(index_fault(lambda i: (i / "manifest.json").unlink()), ("manifest.json",), INDEX_FIX),
    "chunks garbled": Fault(index_fault(lambda i: _garble(i / "chunks.jsonl")), ("chunks.jsonl",), INDEX_FIX),
    "chunks emptied": Fault(index_fault(lambda i: (i / "chunks.jsonl").write_text("")), ("chunks.jsonl",), INDEX_FIX),
    "lexical file deleted": Fault(index_fault(lambda i: _lexical_file(i).unlink()), ("lexical",), INDEX_FIX),
    # Found after the model has loaded (only then is a changed model told from a damaged one): the slow path.
    "other model's index": Fault(
        index_fault(lambda i: _edit_manifest(i, model_fingerprint="0" * 32)), ("stale", "model"), INDEX_FIX
    ),
    "model folder missing": Fault(
        lambda w, i, m: {"ASSISTANT_MODEL_DIR": str(w / "no-model")}, ("no-model",), MODEL_FIX
    ),
    "model weights truncated": Fault(
        model_fault(lambda m: _replace_weights(m, 1000)), ("model.safetensors", "damaged"), MODEL_FIX
    ),
    "model weights deleted": Fault(
        model_fault(lambda m: _replace_weights(m, None)), ("model.safetensors", "missing"), MODEL_FIX
    ),
}


SLOW = {"other model's index"}


@dataclass
class Run:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float


def _model_copy(work: Path) -> Path:
    """A model folder that costs no disk: small files copied, weights and graphs (over 1 MB) symlinked."""

    def link_large(source: str, destination: str) -> None:
        if os.path.getsize(source) > 1 << 20:
            os.symlink(source, destination)
        else:
            shutil.copy2(source, destination)

    target = work / "model"
    shutil.copytree(MODEL_DIR, target, copy_function=link_large)
    return target


def _serve(env: dict[str, str]) -> Run:
    command = [python_executable(), "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(free_port())]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired as exc:  # it started serving: the fault went unnoticed
        return Run(None, str(exc.stdout or ""), str(exc.stderr or ""), time.perf_counter() - started)
    return Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)


def _run_fault(fault: Fault, work: Path, real_index_dir: Path) -> Run:
    index = work / "index"
    shutil.copytree(real_index_dir.resolve(), index)
    model = _model_copy(work)
    env = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(CORPUS_DIR),
        "ASSISTANT_MODEL_DIR": str(model),
        "ASSISTANT_INDEX_DIR": str(index),
        "ASSISTANT_FEEDBACK_DB": str(work / "questions.sqlite3"),
        **(fault.make(work, index, model) or {}),
    }
    return _serve(env)


@dataclass
class KilledBuild:
    parent: Path  # holds build-old and the ``current`` symlink
    returncode: int | None
    before: dict[Path, bytes]


def _files(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _kill_build_midway(parent: Path) -> int | None:
    """``assistant index build`` over ``parent/current``, SIGKILLed once it has started writing a new folder."""
    env = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(CORPUS_DIR),
        "ASSISTANT_MODEL_DIR": str(MODEL_DIR),
        "ASSISTANT_INDEX_DIR": str(parent / "current"),
        # Smaller chunks than the live index: little can be reused, so the build spends seconds embedding
        # and the kill lands in the middle of it rather than racing a near-instant rebuild.
        "ASSISTANT_CHUNK_CHARS": "120",
    }
    command = [python_executable(), "-m", "assistant", "index", "build"]
    build = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while not list(parent.glob(".building-*")) and build.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if build.poll() is not None:
            return build.returncode  # ended before it could be killed: the test reports it
        time.sleep(0.5)  # well into writing the new folder
        build.send_signal(signal.SIGKILL)
        return build.wait(timeout=30)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait(timeout=30)


@pytest.fixture(scope="module")
def fault_runs(real_index_dir, tmp_path_factory) -> tuple[dict[str, Run], KilledBuild]:
    works = {name: tmp_path_factory.mktemp(f"fault{n}") for n, name in enumerate(FAULTS)}
    # The live index as the real layout has it: build-… folders and a ``current`` symlink.
    parent = tmp_path_factory.mktemp("killed-build")
    shutil.copytree(real_index_dir.resolve(), parent / "build-old")
    os.symlink("build-old", parent / "current")
    before = _files(parent / "build-old")
    # The build and the fault that loads the model go first, so the quick ones run beside them.
    order = sorted(FAULTS, key=lambda name: name not in SLOW)
    with ThreadPoolExecutor(max_workers=4) as pool:
        killed = pool.submit(_kill_build_midway, parent)
        futures = {name: pool.submit(_run_fault, FAULTS[name], works[name], real_index_dir) for name in order}
        runs = {name: futures[name].result() for name in FAULTS}
        killed_build = KilledBuild(parent, killed.result(), before)
    for name, run in runs.items():
        print(f"{name}: exit {run.returncode} after {run.seconds:.1f} s: {run.stderr.strip()}")
    return runs, killed_build


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_stops_start_up_with_one_clear_line(fault_runs, name):
    fault, run = FAULTS[name], fault_runs[0][name]
    assert run.returncode not in (None, 0), f"serve did not refuse to start: {run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr + run.stdout, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("error: ") and fault.fix in line, line
    for mention in fault.mentions:
        assert mention in line, (mention, line)


def test_sigkilled_build_leaves_the_live_index_intact(fault_runs, runtime):
    from assistant.index.store import load_index
    from assistant.preflight import check_index_folder

    killed = fault_runs[1]
    assert killed.returncode == -signal.SIGKILL, f"the build ended with {killed.returncode} before the kill"
    live = killed.parent / "current"
    assert os.readlink(live) == "build-old"
    assert _files(killed.parent / "build-old") == killed.before, "the live index was modified"
    assert list(killed.parent.glob(".building-*")), "the kill came before the build wrote anything"
    check_index_folder(live)
    index = load_index(
        live,
        runtime.tokenizer,
        tokenizer_description=runtime.tokenizer.description,
        corpus_hash=runtime.plan.content_hash,
        model_fingerprint=runtime.encoder.fingerprint,
        model_dim=runtime.encoder.dim,
    )
    assert index.folder == (killed.parent / "build-old").resolve() and index.chunks


def test_model_that_fails_to_load_names_the_fix_on_one_line(monkeypatch, capsys):
    # A damaged model the size check cannot see (e.g. a same-size garbled config.json) is found by the loader,
    # whose message may span lines and name no command; serve turns it into the one line. In-process, with
    # the load replaced, because a real failing load costs a model load (see "other model's index" above).
    from assistant import cli
    from assistant.api.services import Services
    from assistant.errors import ModelError

    def failing_load(settings):
        raise ModelError(
            "cannot load embedding model from /m: It looks like the config file at\n'/m/config.json' is not valid"
        )

    monkeypatch.setattr("assistant.preflight.preflight", lambda settings: None)
    monkeypatch.setattr(Services, "load", staticmethod(failing_load))
    assert cli.main(["serve", "--port", str(free_port())]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "/m/config.json" in lines[0] and MODEL_FIX in lines[0], lines
