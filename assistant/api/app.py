"""The FastAPI application: routers, static files, middleware, and the lifespan that loads everything once."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from assistant.api.middleware import (
    AllowedHosts,
    BodyLimit,
    RateLimit,
    RequestDeadline,
    SecurityHeaders,
    message_page,
)
from assistant.api.routes import admin, api, docs, health, pages, search_page
from assistant.api.services import Services
from assistant.errors import ServiceBusy
from assistant.settings import Settings

logger = logging.getLogger("assistant")
STATIC_DIR = Path(__file__).resolve().parents[2] / "web" / "static"
INVALID_INPUT = "入力の形式が正しくありません。"
# Starlette's English defaults for routing errors under /api/, in the language of every other API message.
BUSY_RETRY_AFTER_S = 5
API_DEFAULT_DETAILS = {404: "指定された API は見つかりません。", 405: "この API はそのメソッドでは使えません。"}


def _validation_errors(exc: RequestValidationError) -> list[dict]:
    """Where and what, without the rejected input: it may be bytes, NaN or megabytes, none of which
    belongs in a JSON reply (bytes and NaN are not even encodable, which used to turn a 422 into a 500).
    """
    return jsonable_encoder(
        [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()[:5]
        ]
    )


def _watch_index(app: FastAPI, stop: threading.Event, interval: float = 2.0) -> None:
    """Reload when ``index/current`` points at a new build (an atomic symlink swap by `index build`).

    A build that fails to load is logged once and then left alone until ``index/current`` changes again
    (it used to be retried, and logged, every ``interval`` forever). "Changes" means another target or the
    same target's manifest rewritten, so fixing a build in place is picked up too.
    """
    services: Services = app.state.services
    index_dir = services.settings.index_dir

    def version() -> tuple[Path, int] | None:
        try:
            target = index_dir.resolve(strict=True)
        except OSError:  # missing for a moment (mid-swap) or unreadable: nothing to reload yet
            return None
        try:
            return target, (target / "manifest.json").stat().st_mtime_ns
        except OSError:
            return target, 0

    current = version()
    refused = None
    while not stop.wait(interval):
        seen = version()
        if seen is None or seen in (current, refused):
            continue
        try:
            services.reload()
            current, refused = seen, None
            logger.info("index reloaded from %s", seen[0])
        except Exception as exc:  # keep serving the old index; say why in the log, once per refused build
            refused = seen
            logger.error("index reload failed, still serving %s: %s", current[0] if current else None, exc)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.services is None:
            app.state.services = Services.load(settings)
        from assistant.logstore import QuestionLog

        app.state.question_log = QuestionLog(settings.feedback_db)
        app.state.question_log.purge_older_than(settings.log_retention_days)
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_index, args=(app, stop), daemon=True, name="index-watch")
        watcher.start()
        yield
        stop.set()
        app.state.question_log.close()

    app = FastAPI(
        title="長崎市 実施計画アシスタント API",
        description="Answers about Nagasaki City's implementation plan, grounded in cited plan excerpts.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by routes/docs.py from local assets (no CDN); no ReDoc (see there)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.question_log = None

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": INVALID_INPUT, "errors": _validation_errors(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        api = request.url.path.startswith("/api/")
        if not api and exc.status_code == 404:
            # Browsers following a stale link get the Japanese page with a way back, not a JSON body.
            return pages.not_found_page(request, settings)
        if api and exc.status_code == 400:
            # FastAPI's "error parsing the body" (invalid UTF-8, nesting too deep): bad input like any other.
            return JSONResponse({"detail": INVALID_INPUT}, status_code=422)
        if api and exc.detail == HTTPStatus(exc.status_code).phrase and exc.status_code in API_DEFAULT_DETAILS:
            exc = StarletteHTTPException(exc.status_code, API_DEFAULT_DETAILS[exc.status_code], exc.headers)
        return await http_exception_handler(request, exc)

    @app.exception_handler(ServiceBusy)
    async def busy(request: Request, exc: ServiceBusy):
        headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=503, headers=headers)
        # A browser on the /search page gets a page, not a JSON body.
        return HTMLResponse(message_page("ただいま混み合っています", str(exc)), status_code=503, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        logger.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"detail": "申し訳ありません。処理中に問題が発生しました。"}, status_code=500)

    app.include_router(health.router)
    app.include_router(api.router)
    # The admin API works as before but is not published: /openapi.json and /docs are public, and a public
    # schema listing /api/admin/… tells every scanner where to aim its token guesses.
    app.include_router(admin.router, include_in_schema=False)
    app.include_router(pages.router)
    app.include_router(search_page.router)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS_DIR), name="static-docs")

    # Innermost first: each add_middleware wraps everything added before it.
    app.add_middleware(RequestDeadline, seconds=settings.request_deadline_s)
    app.add_middleware(RateLimit, limit=settings.rate_limit, state_url=settings.state_url)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    # A Host outside allowed_hosts gets 400 before any route (or redirect, which would be built from it).
    app.add_middleware(AllowedHosts, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    if settings.forwarded_allow_ips.strip():
        # Outermost: behind a listed proxy, the client (for the rate limit) and the scheme (for URLs) become the
        # ones it forwarded. Done here rather than by uvicorn, which is told proxy_headers=False: uvicorn's own
        # default would believe X-Forwarded-For from 127.0.0.1, i.e. from anyone on the host.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app
