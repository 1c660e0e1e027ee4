"""A real uvicorn server (subprocess) on a free port, with the real model and a test index."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import CORPUS_DIR, ROOT
from tests.realstack import MODEL_DIR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def api_server(real_index_dir, tmp_path_factory):
    port = free_port()
    env = dict(
        os.environ,
        ASSISTANT_CORPUS_DIR=str(CORPUS_DIR),
        ASSISTANT_MODEL_DIR=str(MODEL_DIR),
        ASSISTANT_INDEX_DIR=str(real_index_dir),
        ASSISTANT_FEEDBACK_DB=str(tmp_path_factory.mktemp("db") / "log.sqlite3"),
        ASSISTANT_RATE_LIMIT="100000/minute",
    )
    log = tmp_path_factory.mktemp("log") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("server did not become ready:\n" + log.read_text())
    if proc.poll() is not None:
        pytest.fail("server exited:\n" + log.read_text())
    yield base
    proc.terminate()
    proc.wait(timeout=15)


@pytest.fixture(scope="session")
def client(api_server):
    with httpx.Client(base_url=api_server, timeout=30) as c:
        yield c
