"""The admin report route on a minimal app: off without a token, 401 without the right one, JSON and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.routes.admin import router
from assistant.logstore import QuestionLog
from assistant.settings import Settings

TOKEN = "s3cret-token-for-tests"


def make_client(tmp_path, admin_token: str | None, with_log: bool = True) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.settings = Settings(admin_token=admin_token)
    if with_log:
        log = QuestionLog(tmp_path / "log.sqlite3")
        log.record_question("m1", "s1", "ごみの出し方", "not_found", [], 10, "ja")
        log.record_question("m2", "s1", "ゴミの出し方は？ 090-1234-5678", "not_found", [], 10, "ja")
        log.record_question("m3", "s1", "バスの時刻表", "lookup", ["H1-1"], 10, "ja")
        log.record_feedback("m3", "s1", False, None)
        app.state.question_log = log
    return TestClient(app)


AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("token", [None, ""])
def test_admin_is_off_without_a_configured_token(tmp_path, token):
    client = make_client(tmp_path, token)
    response = client.get("/api/admin/unanswered", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["detail"] == "ページが見つかりません。"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": b"Bearer " + "ｔｏｋｅｎ".encode()},  # non-ASCII bytes must not crash
    ],
)
def test_missing_or_wrong_token_is_401(tmp_path, headers):
    client = make_client(tmp_path, TOKEN)
    response = client.get("/api/admin/unanswered", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "トークン" in response.json()["detail"]


def test_json_report_with_the_right_token(tmp_path):
    client = make_client(tmp_path, TOKEN)
    response = client.get("/api/admin/unanswered", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    groups = response.json()["groups"]
    assert [g["count"] for g in groups] == [2, 1]
    assert groups[1]["representative"] == "バスの時刻表"
    assert all("090-1234-5678" not in example for g in groups for example in g["examples"])
    assert set(groups[0]) >= {"representative", "count", "examples", "answer_types", "last_seen"}


def test_csv_report_with_the_right_token(tmp_path):
    client = make_client(tmp_path, TOKEN)
    response = client.get("/api/admin/unanswered", params={"format": "csv"}, headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="unanswered-') and disposition.endswith('.csv"')
    text = response.content.decode("utf-8-sig")  # BOM for Excel
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["代表的な質問", "件数"]
    assert len(rows) == 3


def test_bad_format_is_rejected(tmp_path):
    client = make_client(tmp_path, TOKEN)
    assert client.get("/api/admin/unanswered", params={"format": "xml"}, headers=AUTH).status_code == 422


def test_auth_is_checked_before_the_log(tmp_path):
    client = make_client(tmp_path, TOKEN, with_log=False)
    assert client.get("/api/admin/unanswered").status_code == 401
    response = client.get("/api/admin/unanswered", headers=AUTH)
    assert response.status_code == 503
    assert response.json()["detail"] == "質問ログが設定されていません。"


def test_unreadable_log_is_503(tmp_path):
    client = make_client(tmp_path, TOKEN)
    client.app.state.question_log.close()
    response = client.get("/api/admin/unanswered", headers=AUTH)
    assert response.status_code == 503
    assert "読み込めません" in response.json()["detail"]
