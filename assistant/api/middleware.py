"""HTTP hardening as small ASGI middlewares: security headers, body size limit, per-client rate limit,
and a deadline for API requests."""

from __future__ import annotations

import asyncio
import json
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def _send_json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """CSP, nosniff, referrer policy, frame-ancestors. The OpenAPI pages get a CSP of their own: their
    generated HTML starts Swagger UI / ReDoc with an inline script, but every asset is ours ('self')."""

    def __init__(self, app: ASGIApp, frame_ancestors: str) -> None:
        self.app = app
        self.csp = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}"
        ).encode()
        self.docs_csp = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors {frame_ancestors}"
        ).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                ]
                docs = path.startswith(("/docs", "/redoc"))
                headers.append((b"content-security-policy", self.docs_csp if docs else self.csp))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


class BodyLimit:
    """413 for request bodies over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.detail = f"リクエストが大きすぎます（上限 {max_bytes} バイト）。"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await _send_json(send, 413, self.detail)
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                # An HTTPException, because FastAPI re-raises those from body reading (anything else it turns
                # into "400 error parsing the body", which is how a chunked upload used to dodge the 413).
                raise _TooLarge(413, self.detail)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if started:  # the app answered before reading the whole body; nothing more can be sent
                return
            await _send_json(send, 413, self.detail)


class _TooLarge(HTTPException):
    pass


class RateLimit:
    """Per-client moving-window limit on /api/ (the `limits` library); 429 with Retry-After."""

    def __init__(self, app: ASGIApp, limit: str, trust_forwarded: bool = False) -> None:
        self.app = app
        self.item = parse(limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.trust_forwarded = trust_forwarded

    def _client(self, scope: Scope) -> str:
        client = scope.get("client")
        return client[0] if client else "unknown"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/"):
            return await self.app(scope, receive, send)
        key = self._client(scope)
        if not self.limiter.hit(self.item, key):
            reset, _ = self.limiter.get_window_stats(self.item, key)
            retry = max(1, int(reset - time.time()))
            return await _send_json(
                send,
                429,
                "短時間に多くの質問が送られました。しばらく待ってからお試しください。",
                {"Retry-After": str(retry)},
            )
        await self.app(scope, receive, send)


class RequestDeadline:
    """An API request that has not started its response within ``seconds`` gets 503 with Retry-After.

    The encoder bound already turns a flood into quick 503s; this is the backstop for anything else that
    hangs (a stalled disk, a pathological query), so a caller is never left waiting on a spinner. Work
    running in a worker thread cannot be killed: it finishes in the background and its result is dropped.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/") or self.seconds <= 0:
            return await self.app(scope, receive, send)
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, tracked), self.seconds)
        except TimeoutError:
            if not started:
                detail = "回答に時間がかかっています。少し待ってからもう一度お試しください。"
                await _send_json(send, 503, detail, {"Retry-After": "5"})
