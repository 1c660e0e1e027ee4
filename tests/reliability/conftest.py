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
    from tests.realstack import server_env, serving

    workdir = tmp_path_factory.mktemp("reliability-server")
    env = server_env(real_index_dir, workdir, admin_token=ADMIN_TOKEN)
    with serving(workdir, env) as server:
        yield Server(server.url, Path(env["ASSISTANT_FEEDBACK_DB"]), server.log_path)


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
    from tests.realstack import server_env, serving

    workdir = tmp_path_factory.mktemp("hardened-server")
    env = server_env(
        real_index_dir,
        workdir,
        rate_limit=f"{HARDENED_LIMIT}/minute",
        forwarded_allow_ips=PROXY,
        max_concurrent_encodes=1,
        max_queued_encodes=1,
        request_read_timeout_s=HARDENED_READ_TIMEOUT_S,
        keep_alive_timeout_s=HARDENED_KEEP_ALIVE_S,
        admin_token=ADMIN_TOKEN,
    )
    with serving(workdir, env, open_files=HARDENED_OPEN_FILES) as server:
        yield Hardened(server.url, server.port, server.log_path)
