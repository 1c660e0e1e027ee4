"""Questions of each kind over real HTTP against a real server with the real model."""

from __future__ import annotations

import pytest

from assistant.api.widget import STARTERS
from tests.conftest import CHAPTER_H

pytestmark = pytest.mark.slow
CORPUS = CHAPTER_H.read_text(encoding="utf-8")


def ask(client, message, session_id=None):
    response = client.post("/api/chat", json={"message": message, "session_id": session_id})
    assert response.status_code == 200, response.text
    data = response.json()
    for citation in data["citations"]:
        assert citation["excerpt"] in CORPUS, citation["excerpt"]
        assert citation["excerpts"][0] == citation["excerpt"]
        assert all(line in CORPUS for line in citation["excerpts"])
        assert citation["source"]["line_start"] >= 1
    rows = [(c["kind"], c["id"]) for c in data["citations"]]
    assert len(rows) == len(set(rows)), "one citation per plan row"
    return data


def test_who(client):
    data = ask(client, "コールセンターの担当課は？")
    assert data["answer_type"] == "who"
    assert "広報広聴課" in data["answer"]
    assert data["citations"][0]["id"] == "H1-1/1/6"
    assert data["coverage"] == "covered"
    # The hand-off comes with any answer not marked "high" (confidence means something: #13).
    assert (data["handoff"] is None) == (data["confidence"] == "high")


def test_when_gives_both_year_forms(client):
    data = ask(client, "旧別館の跡地の公園工事はいつから？")
    assert data["answer_type"] == "when"
    assert "令和9年度（2027年度）" in data["answer"]
    assert data["citations"][0]["name"] == "市庁舎跡地再整備等事業"


def test_list_by_department_is_complete(client):
    data = ask(client, "DX推進課の事業を一覧で")
    assert data["answer_type"] == "list"
    assert len(data["citations"]) == 10
    assert all("DX推進課" in c["departments"] for c in data["citations"])


def test_count_by_tag(client):
    data = ask(client, "新市役所創造の事業は何件？")
    assert data["answer_type"] == "count" and "33件" in data["answer"]


def test_policy_goal(client):
    data = ask(client, "H3-2のめざす姿は？")
    assert data["answer_type"] == "policy"
    assert "常に市民視点で考え" in data["answer"]


def test_followup_chain(client):
    first = ask(client, "ネーミングライツって何？")
    assert first["citations"][0]["name"] == "ネーミングライツ事業"
    second = ask(client, "担当はどこ？", first["session_id"])
    assert second["session_id"] == first["session_id"]
    assert second["answer_type"] == "who" and "資産経営課" in second["answer"]
    third = ask(client, "それはいつから？", first["session_id"])
    assert third["answer_type"] == "when" and "令和4年度（2022年度）" in third["answer"]


@pytest.mark.parametrize(
    "question", ["粗大ごみの出し方を教えて", "犬を飼い始めたら登録はどこでするの？", "保育園に入りたい"]
)
def test_out_of_scope_hands_off(client, question):
    data = ask(client, question)
    assert data["answer_type"] == "not_found"
    assert data["coverage"] in {"partly", "not_covered"}
    assert data["handoff"]["phone"] == "095-822-8888"
    assert "095-822-8888" in data["answer"]


def test_call_center_channel_and_coverage_are_in_the_contract(client):
    data = client.post("/api/chat", json={"message": "粗大ごみの出し方を教えて", "channel": "callcenter"}).json()
    assert data["coverage"] != "covered" and "095-822-8888" not in data["answer"]
    assert data["handoff"]["directory_url"].startswith("https://")
    assert client.post("/api/chat", json={"message": "x", "channel": "fax"}).status_code == 422
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schema["ChatResponse"]["properties"]["coverage"]["enum"]) == {
        "covered",
        "partly",
        "not_covered",
        "nothing",
    }
    assert "callcenter" in schema["ChatRequest"]["properties"]["channel"]["enum"]


def test_greeting_asks_to_rephrase(client):
    data = ask(client, "こんにちは")
    assert data["coverage"] == "nothing" and data["citations"] == [] and data["suggestions"]


def test_english_question(client):
    data = ask(client, "Who runs the call center?")
    assert data["answer_type"] == "who" and "広報広聴課" in data["answer"]
    assert "handled by" in data["answer"]


def test_bad_input(client):
    assert client.post("/api/chat", json={"message": "あ" * 501}).status_code == 422
    assert (
        client.post("/api/chat", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    )
    assert client.post("/api/chat", json={"message": 5}).status_code == 422
    assert (
        client.post("/api/chat", content=b"x" * 20000, headers={"content-type": "application/json"}).status_code == 413
    )
    empty = ask(client, "   \u0000\u200b ")
    assert empty["citations"] == [] and "ご質問をどうぞ" in empty["answer"]
    half = ask(client, "ｺｰﾙｾﾝﾀｰ 担当")  # half-width kana are NFKC-normalised
    assert "広報広聴課" in half["answer"]
    assert client.get("/api/projects/H9-9/9/9").status_code == 404
    assert client.get("/api/search", params={"q": "x", "year": "いつか"}).status_code == 422


def test_search_projects_facets_feedback(client):
    search = client.get("/api/search", params={"q": "ネーミングライツ", "k": 3}).json()
    assert search["results"][0]["name"] == "ネーミングライツ事業"
    assert search["results"][0]["excerpt"] in CORPUS
    projects = client.get("/api/projects", params={"department": "DX推進課", "year": "令和7年度"}).json()
    assert projects["count"] >= 1 and all("DX推進課" in p["departments"] for p in projects["results"])
    facets = client.get("/api/facets").json()
    assert {"value": "新市役所創造", "label": None, "count": 33} in facets["tags"]
    reply = ask(client, "コールセンターの担当課は？")
    ok = client.post(
        "/api/feedback", json={"session_id": reply["session_id"], "message_id": reply["message_id"], "helpful": True}
    )
    assert ok.status_code == 201 and ok.json() == {"ok": True}
    unknown = client.post("/api/feedback", json={"session_id": "x" * 10, "message_id": "nope", "helpful": False})
    assert unknown.status_code == 404


def test_headers_and_health(client):
    page = client.get("/")
    assert "content-security-policy" in page.headers and page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["ready"] is True
    assert client.get("/openapi.json").json()["paths"]["/api/chat"]


@pytest.mark.parametrize("question", STARTERS["ja"] + STARTERS["en"])
def test_every_starter_question_is_answered_by_the_plan(client, question):
    # The widget offers these first: each must be covered and answered outright, not turned into choices.
    data = ask(client, question)
    assert data["coverage"] == "covered" and data["answer_type"] != "not_found"
    assert data["choices"] == []
    assert data["lang"] == ("en" if question.isascii() else "ja")
