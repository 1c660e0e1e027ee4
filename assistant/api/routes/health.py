"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from assistant.api.schemas import ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    response_model_exclude_none=True,
    responses={503: {"model": ReadyResponse, "description": "Not ready: model or index not loaded"}},
)
def readyz(request: Request):
    """Model and index are loaded and answering; ``status`` is ``degraded`` (with ``reasons``) while a part
    that answering does not need is failing, such as the question log.

    Degraded stays 200 on purpose: the instance answers questions correctly, and a load balancer that took
    every instance sharing one full disk out of rotation would turn a logging fault into an outage.
    Monitoring alerts on ``status``.
    """
    services = request.app.state.services
    if not services.ready:
        return JSONResponse({"ready": False, "status": "down", "error": services.error}, status_code=503)
    manifest = services.runtime.index.manifest
    log = getattr(request.app.state, "question_log", None)
    reasons = [log.problem] if log is not None and log.problem else []
    return {
        "ready": True,
        "status": "degraded" if reasons else "ok",
        "reasons": reasons or None,
        "index_built_at": manifest.built_at,
        "chunks": manifest.n_chunks,
        "model": manifest.model_name,
    }
