"""Break 3: the personal data the first masking let through reaches the question log masked now.

The strings are the issue's own (#16): an address, names with さん/様 and before a space, card numbers
unbroken and grouped (「カード 4111 1111 1111 1111」 used to be stored as 「［個人番号］ 1111」) and a spaced
phone number, sent as chat questions and as a feedback comment to the real server of this suite. Then the
SQLite file, its WAL and the server log are read byte for byte, as in test_pii_log.py.
"""

from __future__ import annotations

import re
import sqlite3

import httpx
import pytest

from tests.reliability.test_pii_log import every_text_value

pytestmark = pytest.mark.slow

MESSAGES = [
    ("長崎市桜町2番1号に住んでいます。新しい市役所の窓口は？", ["桜町2番1号", "2番1号"], "［住所］"),
    ("山田太郎様の件です。コールセンターの担当は？", ["山田太郎"], "［氏名］"),
    ("4111111111111111 のカードで払えますか", ["4111111111111111"], "［カード番号］"),
    ("カード 378282246310005 は使えますか", ["378282246310005"], "［カード番号］"),
    ("カード 4111 1111 1111 1111 の件", ["4111 1111 1111 1111", "1111 1111"], "［カード番号］"),
    ("090 - 1234 - 5678 に折り返しください", ["090 - 1234 - 5678", "1234 - 5678"], "［電話番号］"),
    ("私は山田花子 です。子育ての事業を教えて", ["山田花子"], "［氏名］"),
]
COMMENT = (
    "担当の鈴木一郎さんに伝えてください。長崎市茂里町2-41 ０８０　９８７６　５４３２",
    ["鈴木一郎", "茂里町2-41"],
)
DIGITS = re.compile(r"[0-9０-９]")


def test_the_reported_kinds_are_stored_masked(reliability_server):
    with httpx.Client(base_url=reliability_server.url, timeout=30) as http:
        replies = []
        for text, _, _ in MESSAGES:
            reply = http.post("/api/chat", json={"message": text})
            assert reply.status_code == 200, reply.text
            replies.append(reply.json())
        first = replies[0]
        rating = {"session_id": first["session_id"], "message_id": first["message_id"], "helpful": False}
        assert http.post("/api/feedback", json={**rating, "comment": COMMENT[0]}).status_code == 201

    with sqlite3.connect(reliability_server.db_path) as db:
        stored = {row[0]: row[1] for row in db.execute("SELECT id, question FROM questions")}
        comments = [row[0] for row in db.execute("SELECT comment FROM feedback WHERE comment IS NOT NULL")]
    for reply, (_, values, placeholder) in zip(replies, MESSAGES, strict=True):
        question = stored[reply["message_id"]]
        assert placeholder in question, question
        assert not any(value in question for value in values), question
        # No digit run of the card or phone number survives next to the placeholder.
        if placeholder != "［氏名］":
            assert len(DIGITS.findall(question)) == 0, question
    assert any("［氏名］" in c and "［住所］" in c and "［電話番号］" in c for c in comments), comments

    every = every_text_value(reliability_server.db_path)
    secrets = [v for _, values, _ in MESSAGES for v in values] + COMMENT[1] + ["9876"]
    for secret in secrets:
        assert not any(secret in text for text in every), secret
    files = [p for p in reliability_server.db_path.parent.glob(reliability_server.db_path.name + "*") if p.is_file()]
    for path in [*files, reliability_server.log_path]:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode("utf-8") not in data, f"{secret!r} found in {path.name}"
