"""A question log that cannot be written says so: ``problem`` names the fault and feedback reports "failed".

Real SQLite faults, not stand-ins: a path that is a directory, a database that is full (``max_page_count``
caps the file the way a full disk does, and SQLite answers SQLITE_FULL), a read-only database
(``query_only``, which fails writes with SQLITE_READONLY even for root, who ignores file modes) and, where
the tests do not run as root, a file whose mode is read-only.
"""

from __future__ import annotations

import os

import pytest

from assistant.logstore import QuestionLog


def ask(log, message_id, text="質問です", session="s1"):
    log.record_question(message_id, session, text, "lookup", [], 1.0, "ja")


def fill_up(log):
    """Cap the file at its current size, then write until SQLite reports it full."""
    conn = log._conn
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    for n in range(50):
        ask(log, f"fill{n}", "長い質問" * 400)
        if log.problem:
            return
    pytest.fail("the capped database never filled up")


def test_a_healthy_log_has_no_problem_and_tells_unknown_from_recorded(tmp_path):
    log = QuestionLog(tmp_path / "q.sqlite3")
    ask(log, "m1")
    assert log.problem is None
    assert log.submit_feedback("m1", "s1", True, None) == "recorded"
    assert log.submit_feedback("nope", "s1", True, None) == "unknown"
    assert log.submit_feedback("m1", "other-session", True, None) == "unknown"


def test_a_directory_path_is_a_problem_and_feedback_failed(tmp_path):
    directory = tmp_path / "is-a-directory"
    directory.mkdir()
    log = QuestionLog(directory)
    assert log.problem and "cannot open" in log.problem
    assert str(directory) not in log.problem  # the reason is public on /readyz: no server paths
    ask(log, "m1")
    assert log.submit_feedback("m1", "s1", True, "ありがとう") == "failed"


def test_a_full_database_is_a_problem_until_a_write_succeeds(tmp_path):
    log = QuestionLog(tmp_path / "q.sqlite3")
    ask(log, "m0")
    fill_up(log)
    assert "full" in log.problem
    ask(log, "m1", "長い質問" * 400)  # dropped by the fault, so its feedback cannot be "unknown answer"
    assert log.problem
    assert log.submit_feedback("m1", "s1", False, "見つからない") == "failed"

    log._conn.execute("PRAGMA max_page_count = 1000000")  # space freed
    ask(log, "m2")
    assert log.problem is None
    assert log.submit_feedback("m2", "s1", True, None) == "recorded"
    assert log.submit_feedback("never-asked", "s1", True, None) == "unknown"


def test_a_read_only_database_is_a_problem(tmp_path):
    log = QuestionLog(tmp_path / "q.sqlite3")
    ask(log, "m1")
    log._conn.execute("PRAGMA query_only = ON")
    ask(log, "m2")
    assert "readonly" in log.problem
    assert log.submit_feedback("m1", "s1", True, None) == "failed"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files; query_only covers this case above")
def test_a_read_only_file_is_a_problem(tmp_path):
    path = tmp_path / "q.sqlite3"
    QuestionLog(path).close()
    for file in tmp_path.iterdir():
        file.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        log = QuestionLog(path)
        ask(log, "m1")
        assert log.problem
        assert log.submit_feedback("m1", "s1", True, None) == "failed"
    finally:
        tmp_path.chmod(0o755)
