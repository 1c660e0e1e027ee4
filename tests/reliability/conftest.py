"""One real server for the reliability suite, with a question log of its own that the tests read directly.

The shared ``live_server`` (tests/conftest.py) hides where its SQLite file is; the load and PII tests must
open that file, and schemathesis needs the admin API switched on. So this suite starts its own
``assistant serve`` (real model, the session's test index) with:

* a temporary ``ASSISTANT_FEEDBACK_DB`` (test traffic never reaches ``data/``),
* ``ASSISTANT_RATE_LIMIT`` raised: every client here is 127.0.0.1, so the production limit of 60/minute
  would turn a load test into a rate-limit test (the limit itself is tested in tests/api and below),
* ``ASSISTANT_ADMIN_TOKEN`` set, so ``/api/admin/unanswered`` exists and can be fuzzed with the token.

Everything else (encode bound, body limit, timeouts) keeps its production default on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DIR

ADMIN_TOKEN = "reliability-admin-token"


@dataclass(frozen=True)
class Server:
    url: str
    db_path: Path
    log_path: Path

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def reliability_server(real_index_dir, tmp_path_factory):
    from assistant.liveserver import LiveServer, ServerError
    from tests.realstack import MODEL_DIR

    workdir = tmp_path_factory.mktemp("reliability-server")
    db_path = workdir / "questions.sqlite3"
    env = {
        "ASSISTANT_CORPUS_DIR": str(CORPUS_DIR),
        "ASSISTANT_MODEL_DIR": str(MODEL_DIR),
        "ASSISTANT_INDEX_DIR": str(real_index_dir),
        "ASSISTANT_FEEDBACK_DB": str(db_path),
        "ASSISTANT_RATE_LIMIT": "100000/minute",
        "ASSISTANT_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    server = LiveServer(workdir, env)
    try:
        url = server.start()
    except ServerError as exc:
        pytest.fail(str(exc))
    yield Server(url, db_path, server.log_path)
    server.stop()


# --- a second server, configured as a public deployment would be, for the hardening tests (issue #16) ---------

HARDENED_LIMIT = 5  # per minute: small, so a test reaches it in a few cheap requests
PROXY = "127.0.0.2"  # the one address whose X-Forwarded-For is believed (the "nginx" of the proxy tests)
HARDENED_OPEN_FILES = 256  # the open-file limit under which 300 half-open connections used to starve /healthz
HARDENED_READ_TIMEOUT_S = 4.0  # shorter than the production 10 s, so the timeout tests take seconds
HARDENED_KEEP_ALIVE_S = 2  # shorter than the read timeout, to see which closes an idle keep-alive connection


@dataclass(frozen=True)
class Hardened:
    url: str
    port: int
    log_path: Path

    def client(self, source: str, **kwargs):
        """An httpx client whose connections come from ``source`` (any 127.x.y.z is this machine's loopback),
        so every test, and every simulated citizen, has a rate-limit bucket of its own."""
        import httpx

        transport = httpx.HTTPTransport(local_address=source)
        return httpx.Client(base_url=self.url, transport=transport, timeout=30, **kwargs)


@pytest.fixture(scope="session")
def hardened_server(real_index_dir, tmp_path_factory):
    """``assistant serve`` with a low rate limit, one trusted proxy address, a one-slot encoder bound, the admin
    API on, short read and keep-alive timeouts, and an open-file limit of 256 (soft and hard, so the server
    cannot raise it)."""
    from assistant.liveserver import LiveServer, ServerError
    from tests.realstack import MODEL_DIR

    workdir = tmp_path_factory.mktemp("hardened-server")
    env = {
        "ASSISTANT_CORPUS_DIR": str(CORPUS_DIR),
        "ASSISTANT_MODEL_DIR": str(MODEL_DIR),
        "ASSISTANT_INDEX_DIR": str(real_index_dir),
        "ASSISTANT_FEEDBACK_DB": str(workdir / "questions.sqlite3"),
        "ASSISTANT_RATE_LIMIT": f"{HARDENED_LIMIT}/minute",
        "ASSISTANT_FORWARDED_ALLOW_IPS": PROXY,
        "ASSISTANT_MAX_CONCURRENT_ENCODES": "1",
        "ASSISTANT_MAX_QUEUED_ENCODES": "1",
        "ASSISTANT_REQUEST_READ_TIMEOUT_S": str(HARDENED_READ_TIMEOUT_S),
        "ASSISTANT_KEEP_ALIVE_TIMEOUT_S": str(HARDENED_KEEP_ALIVE_S),
        "ASSISTANT_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    server = LiveServer(workdir, env, open_files=HARDENED_OPEN_FILES)
    try:
        url = server.start()
    except ServerError as exc:
        pytest.fail(str(exc))
    yield Hardened(url, server.port, server.log_path)
    server.stop()
