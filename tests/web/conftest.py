"""Fixtures for the web tests: the shared real server (tests/conftest.py), an httpx client and Debian's chromium.

The server is the production app with the real model and index; nothing is stubbed.
``WEB_TEST_BASE_URL`` points the tests at an already running server instead. The browser is always
``/usr/bin/chromium`` (never downloaded); without it the browser tests are skipped with a reason.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from assistant.liveserver import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def base_url(request) -> str:
    override = os.environ.get("WEB_TEST_BASE_URL")
    if override:
        return override.rstrip("/")
    return request.getfixturevalue("live_server")


@pytest.fixture(scope="session")
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30.0, follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="session")
def embed_site(base_url: str, embed_origin: str) -> Iterator[str]:
    """A plain page on another origin with hostile global CSS that embeds ``{base_url}/widget.js``."""
    page = (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>他サイト</title>'
        "<style>h2{color:red;border-bottom:6px solid red;margin:3em} button{background:pink;border-radius:0}"
        " input[type=text]{width:40px} p{margin:2em;color:green} *{box-sizing:content-box}</style></head>"
        f'<body><h1>他のサイト</h1><script src="{base_url}/widget.js" defer></script></body></html>'
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    host, port = embed_origin.removeprefix("http://").split(":")
    server = ThreadingHTTPServer((host, int(port)), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield embed_origin + "/"
    finally:
        server.shutdown()
        server.server_close()


# --- browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def new_page(browser, base_url: str):
    """Factory: ``new_page(width=360, height=740, clipboard=True)`` → a page whose JS errors fail the test."""
    contexts = []
    problems: list[str] = []

    def make(width: int = 1280, height: int = 800, clipboard: bool = False, reduced_motion: bool = True):
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": width, "height": height},
            locale="ja-JP",
            reduced_motion="reduce" if reduced_motion else "no-preference",
        )
        if clipboard:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda msg: problems.append(f"console: {msg.text}") if "Content Security Policy" in msg.text else None,
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_page):
    return new_page()
