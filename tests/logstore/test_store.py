"""QuestionLog on SQLite: WAL, concurrency, feedback, purge, grouping, masking and failure handling."""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from assistant.logstore import SCHEMA_VERSION, LogStoreError, QuestionLog
from assistant.logstore.pii import EMAIL, PHONE


class Clock:
    """A settable clock so tests can write rows "in the past"."""

    def __init__(self) -> None:
        self.now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def log(tmp_path, clock):
    store = QuestionLog(tmp_path / "sub" / "dir" / "log.sqlite3", clock=clock)
    yield store
    store.close()


def ask(log: QuestionLog, message_id: str, question: str, answer_type: str = "lookup", session: str = "s1") -> None:
    log.record_question(message_id, session, question, answer_type, ["H1-1-1"], 12.4, "ja")


def raw(log: QuestionLog, sql: str) -> list[tuple]:
    with sqlite3.connect(log.path) as conn:
        return conn.execute(sql).fetchall()


def test_creates_parent_folder_wal_and_schema_version(log):
    assert log.path.exists()
    assert raw(log, "PRAGMA journal_mode") == [("wal",)]
    assert raw(log, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_schema_creation_is_idempotent(tmp_path, clock):
    path = tmp_path / "log.sqlite3"
    first = QuestionLog(path, clock=clock)
    ask(first, "m1", "質問")
    first.close()
    second = QuestionLog(path, clock=clock)
    assert second.count_questions() == 1
    second.close()


def test_record_question_stores_masked_text_and_metadata(log):
    log.record_question("m1", "s1", "電話095-822-8888かtaro@example.jpに", "not_found", ["A", "B"], 12.6, "ja")
    [(question, answer_type, cited, latency, lang, created)] = raw(
        log, "SELECT question, answer_type, cited_ids, latency_ms, lang, created_at FROM questions"
    )
    assert question == f"電話{PHONE}か{EMAIL}に"
    assert (answer_type, json.loads(cited), latency, lang) == ("not_found", ["A", "B"], 13, "ja")
    assert created == "2025-06-01T12:00:00.000+00:00"


def test_stored_columns_never_hold_unmasked_contact_details(log):
    details = ["095-822-8888", "０９０－１２３４－５６７８", "taro@example.jp", "1234 5678 9012"]
    for i, detail in enumerate(details):
        ask(log, f"m{i}", f"連絡は{detail}へ")
        assert log.record_feedback(f"m{i}", "s1", False, f"折り返しは{detail}")
    dump = "\n".join(str(row) for table in ("questions", "feedback") for row in raw(log, f"SELECT * FROM {table}"))
    for detail in details:
        assert detail not in dump
    assert "0958228888" not in dump.replace("-", "")


def test_repeated_message_id_is_ignored(log):
    ask(log, "m1", "最初")
    ask(log, "m1", "二回目")
    assert log.count_questions() == 1
    assert raw(log, "SELECT question FROM questions") == [("最初",)]


def test_feedback_needs_a_known_message_of_the_same_session(log):
    ask(log, "m1", "質問", session="s1")
    assert log.record_feedback("m1", "s1", True, None) is True
    assert log.record_feedback("unknown", "s1", False, "x") is False
    assert log.record_feedback("m1", "someone-else", False, "x") is False
    assert log.count_feedback() == 1


def test_concurrent_writes_lose_nothing(log):
    threads_n, rows_n = 8, 200
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for r in range(rows_n):
                ask(log, f"t{t}-r{r}", f"質問{t}-{r}", session=f"s{t}")
                if r % 10 == 0:
                    assert log.record_feedback(f"t{t}-r{r}", f"s{t}", r % 20 == 0, None)
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert log.count_questions() == threads_n * rows_n
    assert log.count_feedback() == threads_n * rows_n // 10


def test_two_instances_on_one_file_share_it_like_two_processes(tmp_path, clock):
    # Two connections exercise WAL + busy_timeout rather than the in-process lock.
    logs = [QuestionLog(tmp_path / "shared.sqlite3", clock=clock) for _ in range(2)]

    def worker(n: int) -> None:
        for r in range(100):
            ask(logs[n % 2], f"w{n}-{r}", "質問")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert logs[0].count_questions() == 400
    for store in logs:
        store.close()


def test_purge_deletes_old_questions_and_their_feedback(log, clock):
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    ask(log, "old", "古い質問")
    log.record_feedback("old", "s1", False, None)
    clock.now = datetime(2025, 5, 30, tzinfo=UTC)
    ask(log, "new", "新しい質問")
    log.record_feedback("new", "s1", True, None)
    clock.now = datetime(2025, 6, 1, tzinfo=UTC)
    assert log.purge_older_than(30) == 1
    assert raw(log, "SELECT id FROM questions") == [("new",)]
    assert raw(log, "SELECT message_id FROM feedback") == [("new",)]
    assert log.purge_older_than(30) == 0
    with pytest.raises(ValueError):
        log.purge_older_than(-1)


def test_unanswered_groups_similar_wordings(log, clock):
    wordings = ["ごみの出し方", "ゴミの出し方は？", "ごみ出し方教えて", "ゴミの出し方は？"]
    for i, question in enumerate(wordings):
        clock.now += timedelta(minutes=1)
        ask(log, f"g{i}", question, "not_found")
    ask(log, "b1", "バスの時刻表", "lookup")
    assert log.record_feedback("b1", "s1", False, "載っていない")
    ask(log, "ok", "市長は誰", "who")  # answered and not rated: not in the report
    ask(log, "changed", "図書館の場所", "lookup")
    log.record_feedback("changed", "s1", False, None)
    log.record_feedback("changed", "s1", True, None)  # the latest rating counts

    groups = log.unanswered()
    assert [g["count"] for g in groups] == [4, 1]
    garbage, bus = groups
    assert garbage["representative"] == "ゴミの出し方は？"  # the most frequent wording
    assert sorted(garbage["examples"]) == sorted(set(wordings))
    assert garbage["examples"][0] == "ゴミの出し方は？"  # newest first
    assert garbage["answer_types"] == ["not_found"]
    assert (garbage["not_found_count"], garbage["unhelpful_count"]) == (4, 0)
    assert garbage["last_seen"] == "2025-06-01T12:04:00.000+00:00"
    assert (bus["representative"], bus["answer_types"], bus["unhelpful_count"]) == ("バスの時刻表", ["lookup"], 1)
    assert log.unanswered(limit=1) == groups[:1]


def test_unanswered_csv_has_header_and_neutralises_formulas(log):
    ask(log, "m1", '=HYPERLINK("http://example.com")', "not_found")
    ask(log, "m2", "ごみの出し方", "not_found")
    rows = list(csv.reader(io.StringIO(log.unanswered_csv())))
    assert rows[0][0] == "代表的な質問"
    assert len(rows) == 3
    cells = {row[0] for row in rows[1:]}
    assert '\'=HYPERLINK("http://example.com")' in cells
    assert "ごみの出し方" in cells


# -- failures never reach the caller ----------------------------------------------------------------


def test_path_that_is_a_directory_does_not_raise_on_write(tmp_path, caplog):
    directory = tmp_path / "actually-a-dir"
    directory.mkdir()
    with caplog.at_level(logging.WARNING, logger="assistant.logstore.store"):
        store = QuestionLog(directory)
        ask(store, "m1", "電話095-822-8888")
        assert store.record_feedback("m1", "s1", True, None) is False
        assert store.purge_older_than(1) == 0
    assert "cannot open" in caplog.text
    assert "095-822-8888" not in caplog.text
    with pytest.raises(LogStoreError):
        store.unanswered()
    store.close()


class _FailingConnection:
    """Stands in for a connection whose every statement fails, as on a full disk."""

    in_transaction = False
    total_changes = 0

    def execute(self, *args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    def close(self) -> None:
        pass


def test_operational_errors_on_write_are_logged_not_raised(log, caplog):
    ask(log, "m1", "質問")
    log._conn = _FailingConnection()
    with caplog.at_level(logging.WARNING, logger="assistant.logstore.store"):
        ask(log, "m2", "私は長崎太郎です")
        assert log.record_feedback("m1", "s1", False, "x") is False
        assert log.purge_older_than(0) == 0
    assert "disk is full" in caplog.text
    assert "長崎太郎" not in caplog.text
    with pytest.raises(LogStoreError):
        log.count_questions()


def test_locked_database_times_out_quietly(tmp_path, clock):
    path = tmp_path / "locked.sqlite3"
    store = QuestionLog(path, busy_timeout_ms=50, clock=clock)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        ask(store, "m1", "質問")  # returns after busy_timeout instead of raising "database is locked"
        assert store.record_feedback("m1", "s1", True, None) is False
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    ask(store, "m2", "質問")
    assert store.count_questions() == 1
    store.close()


def test_writes_after_close_are_skipped(log):
    log.close()
    ask(log, "m1", "質問")
    assert log.record_feedback("m1", "s1", True, None) is False
    with pytest.raises(LogStoreError):
        log.count_questions()


def test_bad_arguments_do_not_raise(log):
    log.record_question("m1", "s1", "質問", "lookup", [1, 2], "not-a-number", "ja")  # type: ignore[arg-type]
    assert log.count_questions() == 0
