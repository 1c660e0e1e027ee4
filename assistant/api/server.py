"""How ``assistant serve`` runs uvicorn: timeouts, headers, proxies and workers in one place.

What uvicorn does not do by itself, and this module adds (measured in docs/deployment.md, "Timeouts"):

* **A deadline for receiving a request.** uvicorn's only read timeout is ``timeout_keep_alive``, armed after a
  response and cancelled by the first byte of the next request, so a connection that never sends anything,
  or sends half a request line and stops, or trickles a byte now and then, is held open for ever (the
  slowloris attack; uvicorn issue #157's ``--timeout-request-start`` was never built). :class:`ReadDeadline`
  wraps uvicorn's own protocol (httptools, or h11 without it) and closes a connection whose request, head
  and body, has not fully arrived ``request_read_timeout_s`` after the connection became ready for it (opened,
  or its previous response sent). Work on a request that has arrived is not cut: that is the app's
  ``RequestDeadline``.
* **No ``server`` header**, no trusted ``X-Forwarded-For`` by default (uvicorn trusts it from 127.0.0.1 unless
  told otherwise; the app applies ``forwarded_allow_ips`` itself, see ``create_app``), no WebSocket upgrades.
* **More than one worker.** uvicorn needs an import string for N > 1: :func:`worker_app` is the factory each
  worker calls; it reads the settings the parent resolved (command-line paths included) from the
  environment, so every worker serves exactly what a single process would.
* **File descriptors.** The soft limit on open files is raised to the hard limit before serving, and
  :class:`ReadDeadline` caps open connections below it: past the cap a new connection closes the one that has
  waited longest for its request, so slow or idle clients can never use up the descriptors and make
  ``accept()`` fail for everyone else (``/healthz`` included).
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import sys
from typing import Any

from assistant.settings import Settings

logger = logging.getLogger("assistant")
SETTINGS_ENV = "_ASSISTANT_SERVE_SETTINGS"  # JSON of the parent's resolved settings, for the workers

try:  # the protocol uvicorn's http="auto" would pick
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _BaseProtocol
except ImportError:  # pragma: no cover - uvicorn[standard] brings httptools
    from uvicorn.protocols.http.h11_impl import H11Protocol as _BaseProtocol


class ReadDeadline(_BaseProtocol):
    """uvicorn's HTTP protocol, plus: a request must arrive within ``read_timeout_s``, or the connection closes;
    and past ``max_connections`` open connections, a new one closes the one that has waited longest for its
    request (idle or half-sent), so the process never reaches its open-file limit, where accept() fails and
    every new client (a health check, a citizen) is refused while slow or idle clients hold the descriptors.
    """

    read_timeout_s: float = 10.0  # set from settings by configure() (or worker_app() in a worker)
    max_connections: int = 1024  # set by configure() from the open-file limit

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._read_timer: asyncio.TimerHandle | None = None
        self._ready_since = 0.0
        super().connection_made(transport)
        self._arm_read_deadline()
        if len(self.connections) > self.max_connections:
            self._close_longest_waiting()

    def _close_longest_waiting(self) -> None:
        waiting = [
            c
            for c in self.connections
            if c is not self
            and isinstance(c, ReadDeadline)
            and not c.transport.is_closing()
            and c._waiting_for_request()
        ]
        if waiting:
            min(waiting, key=lambda c: c._ready_since).transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_read_deadline()  # the next request gets the same time to arrive

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read_deadline()
        super().connection_lost(exc)

    def _waiting_for_request(self) -> bool:
        cycle = self.cycle
        return cycle is None or cycle.response_complete or cycle.more_body

    def _arm_read_deadline(self) -> None:
        self._cancel_read_deadline()
        self._ready_since = self.loop.time()
        if self.read_timeout_s > 0:
            self._read_timer = self.loop.call_later(self.read_timeout_s, self._read_deadline_passed)

    def _cancel_read_deadline(self) -> None:
        timer = getattr(self, "_read_timer", None)
        if timer is not None:
            timer.cancel()
            self._read_timer = None

    def _read_deadline_passed(self) -> None:
        self._read_timer = None
        if self.transport.is_closing() or not self._waiting_for_request():
            return  # closed already, or the request is in and being answered (re-armed when the answer is sent)
        self.transport.close()  # an answering app sees http.disconnect


# Descriptors kept free for everything but client connections: the model and index files, SQLite, the
# shared-state store, logs, pipes (a loaded server holds ~40).
RESERVED_FDS = 64


def configure(settings: Settings) -> None:
    """Apply the settings that live in the protocol class (per process, after raise_open_file_limit)."""
    ReadDeadline.read_timeout_s = settings.request_read_timeout_s
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    ReadDeadline.max_connections = max(16, soft - RESERVED_FDS) if soft != resource.RLIM_INFINITY else 65536


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` shared by one process and N workers."""
    return {
        "http": ReadDeadline,
        "ws": "none",
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "proxy_headers": False,  # create_app applies forwarded_allow_ips; uvicorn would trust 127.0.0.1
        "server_header": False,
        "log_level": "warning",
        "timeout_graceful_shutdown": 10,
        # The supervisor pings each worker and kills one that does not answer within this. The answering
        # thread needs the GIL, which loading the model holds for seconds at a time (ONNX Runtime builds its
        # session in one call): with uvicorn's 5 s a loading worker on a busy host was killed, restarted,
        # and killed again, over and over.
        "timeout_worker_healthcheck": 60,
    }


def raise_open_file_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit; returns (soft, hard) after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft, hard


def worker_app():
    """The app factory each of N workers calls (``uvicorn.run(..., factory=True)``)."""
    from assistant.api.app import create_app

    raw = os.environ.get(SETTINGS_ENV)
    settings = Settings.model_validate_json(raw) if raw else Settings()
    configure(settings)
    return create_app(settings)  # the lifespan loads model, index and plan in this worker


def run(settings: Settings, host: str, port: int, workers: int = 1, services=None) -> None:
    """Serve until interrupted: one process with ``services`` already loaded, or ``workers`` processes."""
    import uvicorn

    raise_open_file_limit()
    configure(settings)
    options = uvicorn_options(settings) | {"host": host, "port": port}
    if workers <= 1:
        from assistant.api.app import create_app

        uvicorn.run(create_app(settings, services), workers=1, **options)
        return
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    sys.stderr.flush()
    uvicorn.run("assistant.api.server:worker_app", factory=True, workers=workers, **options)
