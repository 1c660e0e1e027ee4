"""Admin API for the 広聴 side: the report of questions the plan did not answer.

``GET /api/admin/unanswered?format=json|csv`` returns :meth:`QuestionLog.unanswered` as ``{"groups": [...]}``
or as a CSV download.

Access control, in this order (every route of the router shares it):

* ``settings.admin_token`` unset or empty → 404, as if the admin API did not exist: a public deployment
  without a token exposes nothing and reveals nothing.
* ``Authorization: Bearer <token>`` missing or wrong → 401 with ``WWW-Authenticate: Bearer``. The token is
  compared with :func:`secrets.compare_digest` so response timing does not leak how much of it matched.

The report contains masked citizen text only, but it is still not for caches: responses say ``no-store``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.schemas import UnansweredReport, error_responses
from assistant.logstore import LogStoreError, QuestionLog
from assistant.settings import Settings

# auto_error=False: a missing header must give our 401 (with Japanese detail), not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="settings.admin_token (ASSISTANT_ADMIN_TOKEN)")

_NO_STORE = {"Cache-Control": "no-store"}


def get_admin_settings(request: Request) -> Settings:
    """Same as ``assistant.api.deps.get_app_settings``; kept local so this router imports without the
    retrieval services (deps.py pulls them in), which lets it be mounted and tested on its own.
    """
    return request.app.state.settings


def get_question_log(request: Request) -> QuestionLog:
    """The app's ``QuestionLog`` (``app.state.question_log``); 503 if the app runs without one."""
    log = getattr(request.app.state, "question_log", None)
    if log is None:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="質問ログが設定されていません。",
            headers=_NO_STORE,
        )
    return log


def require_admin(
    settings: Annotated[Settings, Depends(get_admin_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """404 when the admin API is off, 401 unless the request carries the configured bearer token."""
    expected = settings.admin_token
    if not expected:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="ページが見つかりません。")
    given = credentials.credentials if credentials is not None else ""
    # Compare bytes: compare_digest on str rejects non-ASCII, and a header may hold anything.
    if not given or not secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="管理用トークンが必要です。正しいトークンを Authorization: Bearer で送ってください。",
            headers={"WWW-Authenticate": "Bearer", **_NO_STORE},
        )


router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_admin)])

QuestionLogDep = Annotated[QuestionLog, Depends(get_question_log)]


# A plain ``def``: the report reads SQLite and clusters in Python, so FastAPI runs it in a worker thread.
@router.get(
    "/unanswered",
    summary="計画で答えられなかった質問（類似質問ごとにまとめたもの）",
    response_model=None,
    responses={
        200: {
            "description": "JSON (format=json) or a CSV download (format=csv)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/UnansweredReport"}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "model": UnansweredReport,
        },
        **error_responses(401, 404, 422, 429, 503),
    },
)
def unanswered_report(
    log: QuestionLogDep,
    response_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    try:
        if response_format == "csv":
            body = log.unanswered_csv(limit)
        else:
            groups = log.unanswered(limit)
    except LogStoreError as exc:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="質問ログを読み込めませんでした。しばらくしてから再度お試しください。",
            headers=_NO_STORE,
        ) from exc

    if response_format == "csv":
        filename = f"unanswered-{datetime.now(UTC):%Y%m%d}.csv"
        # The BOM makes Excel (the 広聴 side's tool) read the file as UTF-8 instead of Shift_JIS.
        return Response(
            content="\ufeff" + body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', **_NO_STORE},
        )
    return JSONResponse({"groups": groups}, headers=_NO_STORE)
