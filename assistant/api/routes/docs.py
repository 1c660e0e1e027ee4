"""The OpenAPI page (/docs) served from the project itself, so it works on a closed network.

FastAPI's own page loads Swagger UI from a CDN, which a city's LGWAN cannot reach: the page stays blank.
The assets come from the ``fastapi-offline`` package (MIT, a maintained bundle of the Swagger UI
distribution), mounted under ``/static-docs``. The page gets ``lang`` (axe ``html-has-lang``), our favicon
instead of fastapi.tiangolo.com's, a stylesheet that lifts Swagger UI's badge and label colours to WCAG AA
contrast, and no deep-link anchors inside its operation buttons (axe ``nested-interactive``).
ReDoc is not served: its bundle has a critical axe violation (an unlabelled select) that CSS cannot fix.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

ASSETS_URL = "/static-docs"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
FAVICON_URL = "/static/favicon.svg"
CONTRAST_CSS = '<link rel="stylesheet" href="/static/docs.css">'
# FastAPI's defaults, but deepLinking off: with it, every operation button holds a focusable link.
SWAGGER_PARAMETERS = {"deepLinking": False, "showExtensions": True, "showCommonExtensions": True}

router = APIRouter(include_in_schema=False)


def _accessible(response: HTMLResponse, root: str) -> HTMLResponse:
    # The generated page starts with a bare <html>; the API's descriptions and titles are Japanese.
    body = response.body.decode().replace("<html>", '<html lang="ja">', 1)
    return HTMLResponse(body.replace("</head>", CONTRAST_CSS.replace('href="', f'href="{root}') + "\n</head>", 1))


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for the JSON API, with no request to any other host."""
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=request.app.title + " - Swagger UI",
        swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{FAVICON_URL}",
        swagger_ui_parameters=SWAGGER_PARAMETERS,
    )
    return _accessible(page, root)
