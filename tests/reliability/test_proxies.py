"""Break 1 of issue #16: the rate limit was reset by one header.

``X-Forwarded-For: <any address>`` gave every request a fresh bucket (a 594-request chat flood, all 200),
because uvicorn believes forwarded headers from 127.0.0.1 unless told otherwise and the limiter's own
``trust_forwarded`` was never used. Now ``forwarded_allow_ips`` lists the proxies whose header counts (none by
default) and the limiter keys on the address that yields.

``hardened_server`` trusts one address, 127.0.0.2 (the proxy here), and allows 5 requests a minute. Clients
connect from other loopback addresses (each its own bucket) to play a direct caller, or from 127.0.0.2 to play
nginx forwarding citizens. ``/api/facets`` is the cheapest limited route.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import HARDENED_LIMIT, PROXY

pytestmark = pytest.mark.slow


def codes(http, n: int, headers_for=lambda i: {}) -> list[int]:
    return [http.get("/api/facets", headers=headers_for(i)).status_code for i in range(n)]


def test_a_spoofed_forwarded_for_from_a_direct_client_is_ignored(hardened_server):
    # From 127.0.0.1, as in the attack: the address uvicorn's own default trusts.
    with hardened_server.client("127.0.0.1") as http:
        # A new made-up address on every request: each used to be a new client with a full bucket.
        got = codes(http, HARDENED_LIMIT + 3, lambda i: {"X-Forwarded-For": f"198.51.100.{i + 1}"})
        assert got == [200] * HARDENED_LIMIT + [429] * 3
        limited = http.get("/api/facets", headers={"X-Forwarded-For": "203.0.113.250"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "しばらく待って" in limited.json()["detail"]


def test_behind_the_trusted_proxy_each_citizen_has_a_bucket_of_their_own(hardened_server):
    with hardened_server.client(PROXY) as nginx:
        alice = codes(nginx, HARDENED_LIMIT + 1, lambda i: {"X-Forwarded-For": "203.0.113.7"})
        # Alice is limited; Bob, behind the same proxy, is not (they used to share the proxy's one bucket).
        bob = codes(nginx, HARDENED_LIMIT + 1, lambda i: {"X-Forwarded-For": "203.0.113.8"})
        assert alice == [200] * HARDENED_LIMIT + [429]
        assert bob == [200] * HARDENED_LIMIT + [429]


def test_behind_the_proxy_a_citizen_cannot_reset_the_limit_with_their_own_header(hardened_server):
    # nginx appends the address it saw ($proxy_add_x_forwarded_for): whatever the citizen wrote comes first,
    # and the rightmost address not of a trusted proxy is the one counted.
    with hardened_server.client(PROXY) as nginx:
        got = codes(nginx, HARDENED_LIMIT + 2, lambda i: {"X-Forwarded-For": f"10.9.9.{i}, 203.0.113.9"})
        assert got == [200] * HARDENED_LIMIT + [429] * 2


def test_the_proxy_itself_without_the_header_is_one_client(hardened_server):
    with hardened_server.client(PROXY) as nginx, hardened_server.client("127.0.1.2") as direct:
        assert codes(nginx, HARDENED_LIMIT + 1) == [200] * HARDENED_LIMIT + [429]
        # ...and a direct client from elsewhere is unaffected by the proxy's bucket.
        assert codes(direct, 1) == [200]
