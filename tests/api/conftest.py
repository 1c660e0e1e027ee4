"""An httpx client on the shared real server (``live_server`` in tests/conftest.py)."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="session")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as c:
        yield c
