"""HTTP hardening as small ASGI middlewares: security headers, allowed hosts, body size limit, per-client
rate limit, and a deadline for API requests. (Forwarded headers are uvicorn's own middleware; see
``create_app``.)"""

from __future__ import annotations

import asyncio
import html
import json
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.ratelimit import Limiter


async def _send_json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# Answers are for the one who asked: a shared cache (a city proxy, a CDN) must not keep or replay them.
NO_STORE_PREFIXES = ("/api/chat", "/api/search", "/api/feedback", "/api/admin", "/search", "/callcenter")


def message_page(title: str, message: str) -> bytes:
    """A minimal Japanese HTML page (the site's style sheet, a way back) for refusals on page paths, where a
    browser would otherwise show a JSON body."""
    return (
        '<!doctype html>\n<html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{html.escape(title)}｜長崎市</title><link rel="stylesheet" href="/static/site.css"></head>'
        f'<body><main id="main" class="site-main"><article class="page page--narrow"><h1>{html.escape(title)}</h1>'
        f'<p>{html.escape(message)}</p><p><a href="/">ホームへ戻る</a></p></article></main></body></html>\n'
    ).encode()


async def _send_refusal(
    send: Send, scope: Scope, status: int, title: str, detail: str, headers: dict[str, str]
) -> None:
    """JSON under /api/, an HTML page elsewhere."""
    if scope.get("path", "").startswith("/api/"):
        return await _send_json(send, status, detail, headers)
    body = message_page(title, detail)
    raw = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """CSP, nosniff, referrer policy, frame-ancestors, and ``Cache-Control: no-store`` on answers
    (:data:`NO_STORE_PREFIXES`). The OpenAPI page gets a CSP of its own: its generated HTML starts Swagger UI
    with an inline script, but every asset is ours ('self')."""

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
                docs = path.startswith("/docs")
                headers.append((b"content-security-policy", self.docs_csp if docs else self.csp))
                if path.startswith(NO_STORE_PREFIXES) and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


_HOST_HEADER = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::[0-9]{1,5})?")


class AllowedHosts:
    """400 unless the Host header names one of ``allowed_hosts`` (port ignored; ``*.example.jp`` matches its
    subdomains, ``*`` anything). Starlette's TrustedHostMiddleware does the same with an English plain-text body;
    this one answers like every other refusal here. Without it, ``Host: evil.example`` on ``/api/facets/``
    came back as ``307 location: http://evil.example/api/facets`` (the redirect is built from the Host)."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.exact = {h.lower() for h in allowed_hosts if not h.startswith("*")}
        self.suffixes = tuple(h.lower()[1:] for h in allowed_hosts if h.startswith("*.") and len(h) > 2)
        self.any = "*" in allowed_hosts

    @staticmethod
    def host_of(header: bytes | None) -> str:
        """The host of a well-formed Host header, else "" (so ``127.0.0.1:80@evil.example``, which a URL built
        from it would read as a login at evil.example, is refused, not taken for 127.0.0.1)."""
        match = _HOST_HEADER.fullmatch((header or b"").decode("latin-1").strip().lower())
        return match.group(1) if match else ""

    def allowed(self, host: str) -> bool:
        return bool(host) and (self.any or host in self.exact or any(host.endswith(s) for s in self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.any:
            return await self.app(scope, receive, send)
        host = self.host_of(dict(scope.get("headers", [])).get(b"host"))
        if not self.allowed(host):
            detail = "このホスト名では利用できません。"
            return await _send_refusal(send, scope, 400, "このホスト名では利用できません", detail, {})
        await self.app(scope, receive, send)


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


# Paths whose requests are counted by the rate limit: the whole API, and the staff search pages, which run the
# same encoder as /api/search (the /search page used to answer 30 × 200 in 1.3 s while /api/ said 429).
LIMITED_PREFIXES = ("/api/", "/search", "/callcenter")  # /callcenter?q= answers without JavaScript
RATE_LIMITED = "短時間に多くの質問が送られました。しばらく待ってからお試しください。"


class RateLimit:
    """Per-client moving-window limit on :data:`LIMITED_PREFIXES`; 429 with Retry-After.

    The client is the connection's address, ``scope["client"]``: the proxy's, unless ``forwarded_allow_ips``
    lists that proxy, in which case uvicorn's ProxyHeadersMiddleware (outside this one, see ``create_app``) has
    already replaced it with the address the proxy forwarded. A header sent by anyone else changes nothing.
    Counters live where ``state_url`` says (assistant/api/ratelimit.py), so workers and hosts share them.
    """

    def __init__(self, app: ASGIApp, limit: str, state_url: str = "") -> None:
        self.app = app
        self.limiter = Limiter(limit, state_url)

    @staticmethod
    def client(scope: Scope) -> str:
        client = scope.get("client")
        return client[0] if client else "unknown"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(LIMITED_PREFIXES):
            return await self.app(scope, receive, send)
        retry = self.limiter.hit(self.client(scope))
        if retry is not None:
            headers = {"Retry-After": str(int(retry))}
            return await _send_refusal(send, scope, 429, "しばらくお待ちください", RATE_LIMITED, headers)
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
