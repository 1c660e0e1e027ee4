"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
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
