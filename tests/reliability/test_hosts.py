"""Break 6 of issue #16, and the headers seen with it: the Host header was trusted.

``Host: evil.example`` on ``/api/facets/`` gave ``307 location: http://evil.example/api/facets`` (the trailing-
slash redirect is built from the Host). Now only ``allowed_hosts`` are served. Also: no ``server: uvicorn``
header, the admin route out of the published OpenAPI (it still works with the token), and answers marked
``Cache-Control: no-store``. On ``hardened_server`` (default allowed_hosts: 127.0.0.1 and localhost).
"""

from __future__ import annotations

import itertools

import pytest

from tests.reliability.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.slow


_addresses = itertools.count(10)


@pytest.fixture
def http(hardened_server):
    """A client from an address of its own for each test (so no test eats another's rate limit)."""
    with hardened_server.client(f"127.0.4.{next(_addresses)}") as client:
        yield client


@pytest.mark.parametrize(
    "host",
    ["evil.example", "127.0.0.1.evil.example", "127.0.0.1:80@evil.example", "evil.example:80", ""],
    ids=["foreign", "lookalike", "userinfo-trick", "foreign-with-port", "empty"],
)
def test_a_foreign_host_is_refused_never_redirected(http, host):
    response = http.get("/api/facets/", headers={"Host": host})
    assert response.status_code == 400, response.headers
    assert "location" not in response.headers
    assert response.json()["detail"] == "このホスト名では利用できません。"
    page = http.get("/search", headers={"Host": host})
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


def test_allowed_hosts_are_served_and_redirect_to_themselves(hardened_server):
    for host in (f"127.0.0.1:{hardened_server.port}", f"localhost:{hardened_server.port}", "LOCALHOST"):
        with hardened_server.client("127.0.4.2", headers={"Host": host}) as http:
            response = http.get("/api/facets/")
            assert response.status_code == 307
            assert response.headers["location"] == f"http://{host}/api/facets"


def test_no_server_header_anywhere(http):
    for response in (
        http.get("/healthz"),
        http.get("/api/nonexistent"),
        http.get("/nonexistent"),
        http.get("/api/facets", headers={"Host": "evil.example"}),
        http.get("/static/site.css"),
    ):
        assert "server" not in response.headers, (response.url, response.headers)


def test_the_admin_route_is_not_published_but_still_works(http):
    schema = http.get("/openapi.json").json()
    assert not [p for p in schema["paths"] if p.startswith("/api/admin")]
    assert "admin" not in {tag for op in schema["paths"].values() for v in op.values() for tag in v.get("tags", [])}
    assert "/api/admin" not in http.get("/docs").text
    report = http.get("/api/admin/unanswered", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert report.status_code == 200 and "groups" in report.json()
    assert http.get("/api/admin/unanswered").status_code == 401


def test_answers_are_not_for_caches(hardened_server):
    with hardened_server.client("127.0.4.3") as http:
        chat = http.post("/api/chat", json={"message": "コールセンターの担当課は？"})
        search = http.get("/api/search", params={"q": "自治会"})
        page = http.get("/search", params={"q": "自治会"})
        refused = http.post("/api/chat", json={"message": 5})
        for response in (chat, search, page, refused):
            assert response.headers.get("cache-control") == "no-store", (response.url, response.headers)
        facets = http.get("/api/facets")  # the plan's own lists may be cached
        assert facets.status_code == 200 and "cache-control" not in facets.headers


def test_forwarded_host_headers_do_not_bypass_the_check(http):
    # The proxy middleware rewrites the client and scheme only; the Host check reads the Host header.
    response = http.get("/api/facets/", headers={"Host": "evil.example", "X-Forwarded-Host": "127.0.0.1"})
    assert response.status_code == 400
    ok = http.get("/api/facets/", headers={"X-Forwarded-Host": "evil.example"})
    assert ok.status_code == 307 and "evil.example" not in ok.headers["location"]
