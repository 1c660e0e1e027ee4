"""Personal details typed into the chat or a feedback comment never reach the question log unmasked.

Through the real HTTP API of ``reliability_server``: chat messages and feedback comments carrying phone
numbers (mobile, landline, unbroken, full-width), e-mail addresses, 12-digit individual numbers, postal
codes and self-introduced names. Then the SQLite file is read directly — every text column of every
table — and so are the raw bytes of the database, its WAL and the server log, because a value can linger
in a WAL frame or a log line long after the table row looks clean. The placeholders must be there instead
(a log that dropped the questions would pass the first half of the test for the wrong reason).
"""

from __future__ import annotations

import re
import sqlite3

import pytest

pytestmark = pytest.mark.slow

# (what the citizen types, the personal values in it that must never be stored)
MESSAGES = [
    ("090-1234-5678に折り返し電話ください。コールセンターの担当は？", ["090-1234-5678"]),
    ("自宅は095-822-8888、携帯は0958228888です。自治会の支援は？", ["095-822-8888", "0958228888"]),
    ("電話は０８０－９８７６－５４３２です。ネーミングライツとは？", ["０８０－９８７６－５４３２", "080-9876-5432"]),
    ("メールは taro.yamada@example.jp へ。市民活動の補助金は？", ["taro.yamada@example.jp"]),
    ("マイナンバーは 1234 5678 9012 と 123456789012 です。手続きは？", ["1234 5678 9012", "123456789012"]),
    ("〒850-8685 長崎市魚の町4-1 に住んでいます。窓口の案内は？", ["850-8685"]),
    ("私は山田太郎です。子育ての事業を教えて", ["山田太郎"]),
    ("名前は長崎花子です。DX推進課の事業は？", ["長崎花子"]),
]
COMMENTS = [
    (
        "連絡先は 070-1111-2222 か hanako.sato@example.com まで。私は佐藤一郎です。",
        ["070-1111-2222", "hanako.sato@example.com", "佐藤一郎"],
    ),
    ("お名前は鈴木次郎、〒8508685、個人番号 4321-8765-2109 です", ["鈴木次郎", "8508685", "4321-8765-2109"]),
]
PLACEHOLDERS = ["［電話番号］", "［メール］", "［個人番号］", "［郵便番号］", "［氏名］"]
SEPARATORS = re.compile(r"[\s\-‐－ー()（）]")


def raw_values() -> list[str]:
    values = [v for _, vs in MESSAGES + COMMENTS for v in vs]
    # Also each number with its separators removed: a masked-but-reformatted digit run is still a leak.
    digits = {SEPARATORS.sub("", v) for v in values if any(c.isdigit() for c in v)}
    return sorted(set(values) | digits)


def every_text_value(db_path) -> list[str]:
    """Every TEXT value of every column of every table (the schema is not assumed)."""
    found = []
    with sqlite3.connect(db_path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                rows = db.execute(f'SELECT "{column}" FROM "{table}" WHERE typeof("{column}") = \'text\'')
                found += [value for (value,) in rows]
    return found


def test_personal_data_is_masked_everywhere_it_is_stored(reliability_server):
    import httpx

    sent_ids = []
    with httpx.Client(base_url=reliability_server.url, timeout=30) as http:
        for text, _ in MESSAGES:
            reply = http.post("/api/chat", json={"message": text})
            assert reply.status_code == 200, reply.text
            sent_ids.append((reply.json()["message_id"], reply.json()["session_id"]))
        for (comment, _), (message_id, session_id) in zip(COMMENTS, sent_ids, strict=False):
            rating = {"session_id": session_id, "message_id": message_id, "helpful": False, "comment": comment}
            assert http.post("/api/feedback", json=rating).status_code == 201

    stored = every_text_value(reliability_server.db_path)
    with sqlite3.connect(reliability_server.db_path) as db:
        logged = {row[0] for row in db.execute("SELECT id FROM questions")}
    assert {m for m, _ in sent_ids} <= logged, "every question was logged (else the test proves nothing)"

    flat = [SEPARATORS.sub("", value) for value in stored]
    for value in raw_values():
        assert not any(value in text for text in stored), f"{value!r} stored unmasked"
        assert not any(SEPARATORS.sub("", value) in text for text in flat), f"{value!r} stored as digits"
    joined = "\n".join(stored)
    for placeholder in PLACEHOLDERS:
        assert placeholder in joined, f"{placeholder} missing: was the text stored at all?"

    # The bytes on disk (table pages, WAL frames, free pages) and the server's own log.
    files = [p for p in reliability_server.db_path.parent.glob(reliability_server.db_path.name + "*") if p.is_file()]
    files.append(reliability_server.log_path)
    for path in files:
        data = path.read_bytes()
        for value in raw_values():
            assert value.encode("utf-8") not in data, f"{value!r} found in {path.name}"
