"""Hostile and malformed input over real HTTP: never a 5xx, always a clear answer in Japanese.

tests/api/test_chat_e2e.py already covers 501 characters, ``{not json``, ``{"message": 5}``, a declared
20 kB body, whitespace with NUL and zero-width space, half-width kana, an unknown project id and
``year=いつか``; tests/web/test_pages.py covers the search page's bad parameters and escaping. This file
adds what those do not: bodies that used to give 500 or 400 (bytes, NaN, invalid UTF-8, deep nesting,
no or wrong content type, a chunked body over the limit, a lone surrogate), query parameters out of range,
feedback with unusable ids, and the HTML 404 page for unknown page paths.
"""

from __future__ import annotations

import pytest

from tests.web.html_tree import parse

pytestmark = pytest.mark.slow

JSON = {"content-type": "application/json"}
INVALID = "入力の形式が正しくありません。"
PROMPT = "ご質問をどうぞ"


@pytest.fixture(scope="module")
def http(reliability_server):
    import httpx

    with httpx.Client(base_url=reliability_server.url, timeout=30) as client:
        yield client


@pytest.mark.parametrize(
    ("label", "body", "headers"),
    [
        ("binary junk as JSON", bytes(range(256)), JSON),
        ("invalid UTF-8 inside a JSON string", b'{"message":"\xff\xfe"}', JSON),
        ("binary without content type", b"\x00\x01\x02\xff", {}),
        ("JSON sent as text/plain", b'{"message":"x"}', {"content-type": "text/plain"}),
        ("form-encoded", b"message=x", {"content-type": "application/x-www-form-urlencoded"}),
        ("NaN where a string belongs", b'{"message":"x","session_id":NaN}', JSON),
        ("nesting deeper than the JSON parser allows", b'{"message":' + b"[" * 5000 + b"]" * 5000 + b"}", JSON),
        ("list instead of object", b'["message"]', JSON),
        ("null message", b'{"message":null}', JSON),
        ("session id over 64 characters", b'{"message":"x","session_id":"' + b"s" * 65 + b'"}', JSON),
    ],
)
def test_malformed_chat_bodies_are_422_in_japanese(http, label, body, headers):
    response = http.post("/api/chat", content=body, headers=headers)
    assert response.status_code == 422, (label, response.text)
    data = response.json()
    assert data["detail"] == INVALID
    # Where and what, never the rejected value itself (bytes and NaN are not JSON; big inputs bloat replies).
    for error in data.get("errors") or []:
        assert set(error) == {"loc", "msg", "type"}


def test_chunked_body_over_the_limit_is_413(http):
    # No Content-Length, so only the streamed byte count can stop it (it used to come back as 400).
    chunks = iter([b'{"message":"' + b"a" * 10_000, b"a" * 10_000 + b'"}'])
    response = http.post("/api/chat", content=chunks, headers=JSON)
    assert response.status_code == 413
    assert "大きすぎます" in response.json()["detail"]


@pytest.mark.parametrize(
    "message",
    # Low before high: a JSON decoder would join "\ud800\udfff" into one real character (U+103FF).
    ["", "   ", "\u3000\t\n", "\x00\x07\x1b", "\u200b\u200e\u202e\ufeff", "\udfff\ud800"],
    ids=["empty", "spaces", "ideographic-space", "controls", "zero-width-and-bidi", "lone-surrogates"],
)
def test_empty_after_cleaning_gets_the_friendly_prompt(http, message):
    # json= would refuse lone surrogates; the escaped form is what a hostile client can send.
    import json

    body = json.dumps({"message": message}).encode()
    response = http.post("/api/chat", content=body, headers=JSON)
    assert response.status_code == 200, response.text
    data = response.json()
    assert PROMPT in data["answer"] and data["citations"] == [] and data["suggestions"]


@pytest.mark.parametrize(
    ("messy", "clean"),
    [
        ("令和９年度に始まる事業は？", "令和9年度に始まる事業は?"),  # full-width digits and question mark
        ("ｺｰﾙｾﾝﾀｰの担当は？", "コールセンターの担当は?"),  # half-width kana
        ("コール\u200bセンター\ufeffの\u202e担当は?", "コールセンターの担当は?"),  # invisible characters dropped
        ("コールセンターの\x00担当\x7fは?", "コールセンターの 担当 は?"),  # controls break like spaces
    ],
    ids=["full-width", "half-width-kana", "invisible", "controls"],
)
def test_messy_text_is_answered_like_its_clean_form(http, messy, clean):
    from assistant.api.routes.api import clean_text

    assert clean_text(messy) == clean
    got, want = (http.post("/api/chat", json={"message": m}).json() for m in (messy, clean))
    assert (got["answer"], got["answer_type"]) == (want["answer"], want["answer_type"])
    assert [c["id"] for c in got["citations"]] == [c["id"] for c in want["citations"]]


def test_script_tags_come_back_as_data_only(http):
    attack = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    chat = http.post("/api/chat", json={"message": attack})
    assert chat.status_code == 200 and chat.headers["content-type"].startswith("application/json")
    assert chat.headers["x-content-type-options"] == "nosniff"
    page = http.get("/search", params={"q": attack})
    assert page.status_code == 200 and attack not in page.text and "&lt;script&gt;" in page.text


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"q": "自治会", "k": "-1"}, INVALID),
        ({"q": "自治会", "k": "100000"}, INVALID),
        ({"q": "自治会", "k": "abc"}, INVALID),
        ({"q": "自治会", "year": "abc"}, "年度は"),
        ({"q": "自治会", "year": "0"}, "年度は"),  # used to be ignored silently (0 is falsy)
        ({"q": "自治会", "year": "9" * 30}, "年度は"),  # used to filter on year 10**30
        ({"q": "自治会", "year": "令和99999年度"}, "年度は"),
        ({"q": "あ" * 501}, INVALID),
        ({"q": "\x00\x01 "}, "検索語を入力してください"),
    ],
)
def test_bad_search_parameters_are_422(http, params, detail):
    response = http.get("/api/search", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(detail)


def test_good_but_unusual_search_parameters(http):
    assert http.get("/api/search", params={"q": "自治会", "year": "２０２７"}).status_code == 200
    for facet in ("department", "policy", "tag"):
        # An unknown facet value is a valid question with no answer, not an error.
        response = http.get("/api/search", params={"q": "自治会", facet: "存在しない値"})
        assert response.status_code == 200 and response.json()["results"] == []
    assert http.get("/api/projects", params={"department": "存在しない課"}).json() == {"count": 0, "results": []}


@pytest.mark.parametrize(
    "body",
    [
        {"session_id": "abcdefgh", "message_id": "0123456789abcdef", "helpful": True},
        {"session_id": "abcdefgh", "message_id": "x", "helpful": True, "comment": "\x00<script>"},
    ],
    ids=["unknown-ids", "control-comment"],
)
def test_feedback_on_nothing_is_404(http, body):
    response = http.post("/api/feedback", json=body)
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "評価の対象となる回答が見つかりません。"


@pytest.mark.parametrize(
    "body",
    [
        {"session_id": "a", "message_id": "b", "helpful": "maybe"},
        {"session_id": "a", "helpful": True},
        {"session_id": "a" * 65, "message_id": "b", "helpful": True},
        {"session_id": "\ud800" * 8, "message_id": "\udfff", "helpful": False, "comment": "\ud800"},
        {},
    ],
    ids=["helpful-not-bool", "no-message-id", "long-session-id", "lone-surrogate-ids", "empty"],
)
def test_feedback_with_wrong_types_is_422(http, body):
    import json

    response = http.post("/api/feedback", content=json.dumps(body).encode(), headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == INVALID


def test_api_routing_errors_stay_json_in_japanese(http):
    missing = http.get("/api/nonexistent")
    assert missing.status_code == 404 and missing.json()["detail"] == "指定された API は見つかりません。"
    wrong_method = http.get("/api/chat")
    assert wrong_method.status_code == 405 and "メソッド" in wrong_method.json()["detail"]
    project = http.get("/api/projects/H9-9/9/9")
    assert project.status_code == 404 and project.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("path", ["/nonexistent", "/projects/H9-9-99", "/callcenter/x", "/static/missing.css"])
def test_unknown_pages_get_the_japanese_404_page(http, path):
    response = http.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in response.headers  # the 404 page is a page like any other
    doc = parse(response.text)
    assert doc.find("html").attrs["lang"] == "ja"
    assert "ページが見つかりません" in doc.find("h1").text
    main = doc.find("main")
    assert "/" in {a.attrs.get("href") for a in main.find_all("a")}, "a link back to the top page"
    assert "あじさいコール" in main.text and "095-822-8888" in main.text
    assert main.find("a", href="tel:0958228888") is not None


def test_rate_limit_answers_429_with_retry_after(tmp_path):
    # In-process with a tiny limit: the shared server's limit is raised for the load test.
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app
    from assistant.settings import Settings

    # No lifespan (no ``with``): nothing is loaded, and an empty feedback body fails validation before any
    # service is needed, so only the middleware decides between 422 and 429.
    app = create_app(Settings(rate_limit="3/minute", feedback_db=tmp_path / "q.sqlite3"))
    client = TestClient(app, base_url="http://127.0.0.1")  # an allowed host (TestClient's own is "testserver")
    codes = [client.post("/api/feedback", json={}).status_code for _ in range(5)]
    assert codes == [422, 422, 422, 429, 429]
    limited = client.post("/api/feedback", json={})
    assert int(limited.headers["retry-after"]) >= 1 and "しばらく待って" in limited.json()["detail"]
    assert client.get("/healthz").status_code == 200, "only /api/ and /search are limited"


def test_question_log_survives_a_lone_surrogate(tmp_path):
    # The API strips surrogates first; the log must still keep its promise never to raise on its own.
    from assistant.logstore import QuestionLog

    log = QuestionLog(tmp_path / "q.sqlite3")
    log.record_question("m\ud800", "s", "q\ud800", "lookup", ["H1-1/1/6"], 1.0, "ja")
    assert log.record_feedback("m\ud800", "s", True, "\udfff") is False
    assert log.count_questions() == 0
