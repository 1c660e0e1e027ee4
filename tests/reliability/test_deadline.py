"""The request deadline: an API request that hangs gets a prompt 503, never an endless wait."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from assistant.api.middleware import RequestDeadline


async def slow_app(scope, receive, send):
    """Answers /…/slow after half a second, everything else at once."""
    if scope["path"].endswith("/slow"):
        await asyncio.sleep(0.5)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def client(seconds: float) -> TestClient:
    return TestClient(RequestDeadline(slow_app, seconds=seconds))


def test_a_hanging_api_request_gets_503_with_retry_after():
    response = client(0.05).get("/api/slow")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "もう一度" in response.json()["detail"]


def test_quick_requests_pages_and_a_disabled_deadline_are_untouched():
    assert client(0.05).get("/api/fast").text == "ok"
    assert client(0.05).get("/pages/slow").text == "ok"  # pages are not cut off (only /api/)
    assert client(0).get("/api/slow").text == "ok"
