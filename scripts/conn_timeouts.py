"""Which server settings close slow and idle clients: how long each kind of connection is held open.

    .venv/bin/python scripts/conn_timeouts.py [--servers uvicorn-h11,uvicorn-httptools,assistant,hypercorn]
                                              [--cap 40]

For every server a tiny ASGI app (one 200 OK) is served on a loopback port, and five connections are opened
at once; each is timed until the server closes it (a read returns EOF or the connection is reset), up to
``--cap`` seconds:

* **idle** — connects and sends nothing;
* **half head** — sends ``GET / HTTP/1.1`` and one header line, then nothing;
* **trickle** — sends the request head one byte every 2 s (slowloris: data keeps arriving, never a request);
* **half body** — a complete head with ``Content-Length: 100`` and 10 bytes of body;
* **after response** — one complete request, its response read, then nothing (keep-alive).

Servers: ``uvicorn-h11`` and ``uvicorn-httptools`` are uvicorn as ``uvicorn.run`` configures it by default
(``timeout_keep_alive`` 5 s); ``assistant`` is uvicorn as ``assistant serve`` runs it (``assistant.api.server``:
the request read deadline, ``request_read_timeout_s`` = 10 s by default); ``hypercorn`` is Hypercorn with its
defaults (``keep_alive_timeout`` 5 s, ``read_timeout`` none), when it can be imported (not a dependency of
the project: ``pip install --target DIR hypercorn`` and ``PYTHONPATH=DIR`` to include it).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ["idle", "half head", "trickle", "half body", "after response"]
HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: probe\r\nAccept: */*\r\n\r\n"


async def tiny_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def serve(kind: str, port: int) -> None:
    """Run one server in this process (the child side of :func:`start`)."""
    sys.path.insert(0, str(ROOT))
    if kind == "hypercorn":
        import asyncio

        from hypercorn.asyncio import serve as hypercorn_serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        asyncio.run(hypercorn_serve(tiny_app, config))
        return
    import uvicorn

    if kind == "assistant":
        from assistant.api.server import configure, uvicorn_options
        from assistant.settings import Settings

        settings = Settings()
        configure(settings)
        uvicorn.run(tiny_app, host="127.0.0.1", port=port, **uvicorn_options(settings))
    else:
        http = kind.removeprefix("uvicorn-")
        uvicorn.run(tiny_app, host="127.0.0.1", port=port, http=http, log_level="warning")


def start(kind: str) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} exited with {proc.returncode}") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} did not start")


def closed(sock: socket.socket, timeout: float) -> bool:
    """True once the server has closed its side (EOF or reset) within ``timeout``."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
            # a response (after response, or the server answering a partial request): keep reading for EOF
    except TimeoutError:
        return False
    except OSError:
        return True


def probe(port: int, kind: str, cap: float, out: dict) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()
    try:
        if kind == "half head":
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        elif kind == "half body":
            sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        elif kind == "after response":
            sock.sendall(HEAD)
            sock.settimeout(5)
            response = sock.recv(4096)
            assert response.startswith(b"HTTP/1.1 200"), response
            started = time.monotonic()
        if kind == "trickle":
            for byte in HEAD[:-2] * 10:  # never the blank line that ends the head
                if time.monotonic() - started > cap:
                    out[kind] = None
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    break
                if closed(sock, 2.0):
                    break
            out[kind] = time.monotonic() - started
            return
        out[kind] = time.monotonic() - started if closed(sock, cap) else None
    finally:
        sock.close()


def measure(kind: str, cap: float) -> dict:
    proc, port = start(kind)
    try:
        out: dict = {}
        threads = [threading.Thread(target=probe, args=(port, k, cap, out)) for k in KINDS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(cap + 30)
        return out
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="uvicorn-h11,uvicorn-httptools,assistant,hypercorn")
    parser.add_argument("--cap", type=float, default=40.0)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    print("| server | " + " | ".join(KINDS) + " |")
    print("| --- |" + " --- |" * len(KINDS))
    for kind in args.servers.split(","):
        if kind == "hypercorn":
            try:
                import hypercorn  # noqa: F401
            except ImportError:
                print(f"| {kind} | " + " | ".join(["not installed"] * len(KINDS)) + " |")
                continue
        result = measure(kind, args.cap)
        cells = [f"{result[k]:.1f} s" if result.get(k) is not None else f"open > {args.cap:.0f} s" for k in KINDS]
        print(f"| {kind} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
