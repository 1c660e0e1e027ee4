"""Fixtures for the web tests: a real ``assistant serve`` subprocess, an httpx client and Debian's chromium.

The server is the production app with the real model and index (start-up takes ~10 s); nothing is stubbed.
``WEB_TEST_BASE_URL`` points the tests at an already running server instead. The browser is always
``/usr/bin/chromium`` (never downloaded); without it the browser tests are skipped with a reason.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def start_server(workdir: Path, cors_origin: str) -> tuple[subprocess.Popen, str, Path]:
    """Start ``python -m assistant serve`` on a free port; return the process, its URL and its log file."""
    port = _free_port()
    log_path = workdir / "server.log"
    env = dict(os.environ)
    # Keep test traffic out of the real question log and clear of the per-IP rate limit; allow the
    # cross-origin test page (embed_site) to call the API.
    env.setdefault("ASSISTANT_FEEDBACK_DB", str(workdir / "feedback.sqlite3"))
    env.setdefault("ASSISTANT_RATE_LIMIT", "1000/minute")
    env.setdefault("ASSISTANT_CORS_ORIGINS", json.dumps([cors_origin]))
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [_python(), "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, f"http://127.0.0.1:{port}", log_path


def wait_ready(proc: subprocess.Popen, url: str, log_path: Path, timeout: float = READY_TIMEOUT_S) -> None:
    """Poll ``/readyz`` until it answers 200; on failure stop the server and fail with its log."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"assistant serve exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(url + "/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_server(proc)
            pytest.fail(f"assistant serve not ready after {timeout:.0f} s:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.5)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def embed_origin() -> str:
    """Origin of the stand-in third-party site that embeds the widget (served by ``embed_site``)."""
    return f"http://127.0.0.1:{_free_port()}"


@pytest.fixture(scope="session")
def base_url(embed_origin: str) -> Iterator[str]:
    override = os.environ.get("WEB_TEST_BASE_URL")
    if override:
        yield override.rstrip("/")
        return
    with tempfile.TemporaryDirectory(prefix="assistant-web-tests-") as tmp:
        proc, url, log_path = start_server(Path(tmp), embed_origin)
        try:
            wait_ready(proc, url, log_path)
            yield url
        finally:
            stop_server(proc)


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
