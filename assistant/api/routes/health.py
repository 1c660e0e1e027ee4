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
    """Model and index are loaded and answering."""
    services = request.app.state.services
    if not services.ready:
        return JSONResponse({"ready": False, "error": services.error}, status_code=503)
    manifest = services.runtime.index.manifest
    return {
        "ready": True,
        "index_built_at": manifest.built_at,
        "chunks": manifest.n_chunks,
        "model": manifest.model_name,
    }
