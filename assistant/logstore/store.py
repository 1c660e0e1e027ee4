"""The question log: masked citizen questions, their answer type, and 役に立った/役に立たなかった ratings.

Stored in one SQLite file (``settings.feedback_db``) because the city runs this on a single small server for
years and has nobody to look after a database server. Design points:

* **Masked before written.** ``record_question``/``record_feedback`` pass the text through
  :func:`~assistant.logstore.pii.mask_pii` first; unmasked text never reaches SQLite, its WAL or its logs.
* **Logging never breaks answering.** Every write catches ``sqlite3.Error``/``OSError``/``UnicodeError`` (disk
  full, locked or unwritable file, a path that is a directory, a lone surrogate), logs a warning without the
  citizen's text, and returns.
  If the file cannot even be opened, the log stays usable as an object and retries opening at most every
  ``RETRY_OPEN_S`` seconds. The last failure is kept as :attr:`QuestionLog.problem` (cleared by the next
  write that succeeds): ``/readyz`` reports it, and feedback that cannot be stored answers 503, not 404. Reads for the admin report raise :class:`LogStoreError` instead, because an
  empty report would hide the breakage from the people reading it.
* **Concurrency.** FastAPI calls this from worker threads: one connection guarded by a lock serialises
  writers in-process (a chat log's write rate is tiny), WAL lets readers and a second process coexist, and
  ``busy_timeout`` waits for another process's write instead of failing at once.
* **Retention.** :meth:`QuestionLog.purge_older_than` deletes questions and their feedback older than N days;
  ``secure_delete`` overwrites deleted rows so purged text does not linger in free pages.
* **Schema version** in ``PRAGMA user_version``; creation is idempotent.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from assistant.logstore.grouping import cluster_questions
from assistant.logstore.pii import mask_pii

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# Upstream limits a message to 500 characters; these caps only stop a misbehaving caller from filling the disk.
MAX_QUESTION_CHARS = 2000
MAX_COMMENT_CHARS = 1000
EXAMPLES_PER_GROUP = 5
# Rows read for one report, newest first: bounds clustering to about a second even on a log that has grown
# for months (the clustering holds the GIL, so chat threads feel it too).
REPORT_SCAN_ROWS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id          TEXT PRIMARY KEY,           -- message_id issued by the chat API
    session_id  TEXT NOT NULL,
    created_at  TEXT NOT NULL,              -- UTC ISO 8601, same width everywhere so text order = time order
    question    TEXT NOT NULL,              -- masked
    answer_type TEXT NOT NULL,
    cited_ids   TEXT NOT NULL DEFAULT '[]', -- JSON list of project ids
    latency_ms  INTEGER,
    lang        TEXT
);
CREATE INDEX IF NOT EXISTS questions_created_at ON questions(created_at);
CREATE INDEX IF NOT EXISTS questions_answer_type ON questions(answer_type);
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL,
    helpful     INTEGER NOT NULL,           -- 1 役に立った / 0 役に立たなかった
    comment     TEXT,                       -- masked
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_message_id ON feedback(message_id);
"""

# Questions the plan did not answer: answered not_found, or whose *latest* rating is unhelpful (a citizen
# who clicks 役に立たなかった and then 役に立った has changed their mind).
_UNANSWERED_SQL = """
SELECT q.question, q.answer_type, q.created_at,
       (SELECT f.helpful FROM feedback f WHERE f.message_id = q.id ORDER BY f.id DESC LIMIT 1) AS last_helpful
FROM questions q
WHERE q.answer_type = 'not_found'
   OR (SELECT f.helpful FROM feedback f WHERE f.message_id = q.id ORDER BY f.id DESC LIMIT 1) = 0
ORDER BY q.created_at DESC
LIMIT ?
"""

CSV_HEADER = ("代表的な質問", "件数", "該当なし件数", "役に立たなかった件数", "回答種別", "最終日時", "質問例")
# Spreadsheet programs run cells starting with these as formulas; citizens' text must not be able to.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


FeedbackResult = Literal["recorded", "unknown", "failed"]


def _describe(exc: BaseException) -> str:
    """What went wrong, without the file's path (the reason is shown on the public /readyz)."""
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"{type(exc).__name__}: {detail}"


class LogStoreError(RuntimeError):
    """The log could not be read (the admin report answers 503 with this)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class QuestionLog:
    """Thread-safe question and feedback log in one SQLite file. See the module docstring."""

    RETRY_OPEN_S = 60.0

    def __init__(
        self, path: Path | str, *, busy_timeout_ms: int = 3000, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._next_open_attempt = 0.0
        self._closed = False
        self._problem: str | None = None
        with self._lock:
            self._ensure_open()

    # -- connection -----------------------------------------------------------------------------------

    def _ensure_open(self) -> sqlite3.Connection | None:
        """The connection, opening it (and creating the schema) if needed; None if that fails. Lock held."""
        if self._conn is not None or self._closed:
            return self._conn
        if time.monotonic() < self._next_open_attempt:
            return None
        conn = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: autocommit; multi-statement writes use explicit BEGIN IMMEDIATE.
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                logger.warning("question log: journal_mode is %s, not wal (file system without shared memory?)", mode)
            # NORMAL is durable enough in WAL mode: a power cut can lose the last few log rows, never corrupt.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            self._migrate(conn)
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                conn.close()
            self._next_open_attempt = time.monotonic() + self.RETRY_OPEN_S
            self._problem = f"cannot open the question log ({_describe(exc)})"
            logger.warning("question log: cannot open %s: %s: %s", self.path, type(exc).__name__, exc)
            return None
        self._conn = conn
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            # Written by a newer release: leave it alone rather than guess; inserts still match v1 columns.
            logger.warning("question log: schema version %d is newer than %d", version, SCHEMA_VERSION)
            return
        conn.executescript(_SCHEMA)  # IF NOT EXISTS throughout, so re-running is harmless
        if version < SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _write(self, what: str, action: Callable[[sqlite3.Connection], object]) -> object | None:
        """Run ``action`` under the lock; on a database or OS error log a warning and return None."""
        with self._lock:
            conn = self._ensure_open()
            if conn is None:
                # Debug only: the failed open already warned, and retries warn again every RETRY_OPEN_S.
                logger.debug("question log: %s skipped, database unavailable", what)
                return None
            before = conn.total_changes
            try:
                result = action(conn)
            except UnicodeError as exc:  # a lone surrogate (valid in JSON, not in UTF-8): this row, not the log
                logger.warning("question log: %s failed: %s", what, type(exc).__name__)
                return None
            except (sqlite3.Error, OSError) as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.rollback()
                self._problem = f"cannot write the question log ({_describe(exc)})"
                # The message names the failure, never the citizen's text.
                logger.warning("question log: %s failed: %s: %s", what, type(exc).__name__, exc)
                return None
            if conn.total_changes > before:  # only a write that stored something shows the fault is gone
                self._problem = None
            return result

    def _read(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        with self._lock:
            conn = self._ensure_open()
            if conn is None:
                raise LogStoreError(f"question log {self.path} is unavailable")
            try:
                return conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                raise LogStoreError(f"question log read failed: {type(exc).__name__}: {exc}") from exc

    @property
    def problem(self) -> str | None:
        """Why the last write (or open) failed, or None when the last write succeeded."""
        return self._problem

    def close(self) -> None:
        """Close the connection; later writes are skipped silently and reads raise LogStoreError."""
        with self._lock:
            self._closed = True
            if self._conn is not None:
                try:
                    self._conn.close()
                except sqlite3.Error as exc:
                    logger.warning("question log: close failed: %s", exc)
                self._conn = None

    # -- writes ---------------------------------------------------------------------------------------

    def record_question(
        self,
        message_id: str,
        session_id: str,
        question: str,
        answer_type: str,
        cited_ids: Iterable[str],
        latency_ms: float | None,
        lang: str | None,
    ) -> None:
        """Store one answered question (masked). A repeated ``message_id`` is ignored. Never raises."""
        try:
            row = (
                str(message_id),
                str(session_id),
                _iso(self._clock()),
                mask_pii(str(question)[:MAX_QUESTION_CHARS]),
                str(answer_type),
                json.dumps(
                    [cited_ids] if isinstance(cited_ids, str) else [str(i) for i in cited_ids], ensure_ascii=False
                ),
                None if latency_ms is None else round(latency_ms),
                None if lang is None else str(lang),
            )
        except Exception:  # a bad argument must not break the chat answer either
            logger.warning("question log: record_question skipped, unusable arguments", exc_info=True)
            return
        self._write(
            "record_question",
            lambda conn: conn.execute(
                "INSERT INTO questions (id, session_id, created_at, question, answer_type, cited_ids, latency_ms,"
                " lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
                row,
            ),
        )

    def record_feedback(self, message_id: str, session_id: str, helpful: bool, comment: str | None) -> bool:
        """Store a rating for a logged answer. False if ``message_id`` is unknown, belongs to another
        session, or the write failed. Never raises.
        """
        return self.submit_feedback(message_id, session_id, helpful, comment) == "recorded"

    def submit_feedback(self, message_id: str, session_id: str, helpful: bool, comment: str | None) -> FeedbackResult:
        """Like :meth:`record_feedback`, telling an unknown answer (``"unknown"``) from a log that cannot be
        written (``"failed"``). While the log is failing, an answer not found is reported as ``"failed"``:
        its question was most likely dropped by the same fault.
        """
        try:
            masked = None if comment is None else mask_pii(str(comment)[:MAX_COMMENT_CHARS])
            params = (str(message_id), str(session_id), 1 if helpful else 0, masked, _iso(self._clock()))
        except Exception:
            logger.warning("question log: record_feedback skipped, unusable arguments", exc_info=True)
            return "unknown"
        # One statement, so the existence check and the insert are atomic without a transaction. The session
        # must match: a message id seen by someone else does not let them rate that answer.
        result = self._write(
            "record_feedback",
            lambda conn: (
                conn.execute(
                    "INSERT INTO feedback (message_id, session_id, helpful, comment, created_at)"
                    " SELECT ?1, ?2, ?3, ?4, ?5"
                    " WHERE EXISTS (SELECT 1 FROM questions WHERE id = ?1 AND session_id = ?2)",
                    params,
                ).rowcount
            ),
        )
        if result == 1:
            return "recorded"
        return "failed" if self._problem else "unknown"

    def purge_older_than(self, days: int) -> int:
        """Delete questions (and their feedback) logged more than ``days`` days ago; return how many
        questions went. Feedback older than that is deleted too. Returns 0 if the write failed.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        cutoff = _iso(self._clock() - timedelta(days=days))

        def purge(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "DELETE FROM feedback WHERE created_at < ?"
                " OR message_id IN (SELECT id FROM questions WHERE created_at < ?)",
                (cutoff, cutoff),
            )
            deleted = conn.execute("DELETE FROM questions WHERE created_at < ?", (cutoff,)).rowcount
            conn.execute("COMMIT")
            return deleted

        result = self._write("purge_older_than", purge)
        return int(result) if isinstance(result, int) else 0

    # -- reads ----------------------------------------------------------------------------------------

    def count_questions(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM questions")[0][0])

    def count_feedback(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM feedback")[0][0])

    def unanswered(self, limit: int = 200) -> list[dict]:
        """Questions answered not_found or rated unhelpful, grouped by similar wording, biggest group first.

        Each group: ``representative`` (most frequent wording), ``count``, ``not_found_count``,
        ``unhelpful_count``, ``examples`` (up to 5 distinct wordings, newest first), ``answer_types``
        (sorted, distinct) and ``last_seen`` (UTC ISO). Raises LogStoreError if the log cannot be read.
        """
        rows = self._read(_UNANSWERED_SQL, (REPORT_SCAN_ROWS,))
        items = [
            {"question": question, "answer_type": answer_type, "created_at": created_at, "unhelpful": helpful == 0}
            for question, answer_type, created_at, helpful in rows
        ]
        groups = []
        for cluster in cluster_questions(items):
            members = cluster.members
            examples: list[str] = []
            for member in sorted(members, key=lambda m: m["created_at"], reverse=True):
                if member["question"] not in examples:
                    examples.append(member["question"])
                if len(examples) == EXAMPLES_PER_GROUP:
                    break
            groups.append(
                {
                    # The seed wording came first into the cluster (most frequent key); use its newest example.
                    "representative": members[0]["question"],
                    "count": len(members),
                    "not_found_count": sum(m["answer_type"] == "not_found" for m in members),
                    "unhelpful_count": sum(m["unhelpful"] for m in members),
                    "examples": examples,
                    "answer_types": sorted({m["answer_type"] for m in members}),
                    "last_seen": max(m["created_at"] for m in members),
                }
            )
        # Two stable sorts: biggest group first, and among equal counts the most recently seen first.
        groups.sort(key=lambda g: g["last_seen"], reverse=True)
        groups.sort(key=lambda g: g["count"], reverse=True)
        return groups[: max(limit, 0)]

    def unanswered_csv(self, limit: int = 200) -> str:
        """:meth:`unanswered` as CSV text (header row first; examples one per line inside their cell)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for group in self.unanswered(limit):
            writer.writerow(
                [
                    _csv_safe(group["representative"]),
                    group["count"],
                    group["not_found_count"],
                    group["unhelpful_count"],
                    " ".join(group["answer_types"]),
                    group["last_seen"],
                    "\n".join(_csv_safe(example) for example in group["examples"]),
                ]
            )
        return buffer.getvalue()


def _csv_safe(text: str) -> str:
    # A leading apostrophe makes spreadsheets show the text instead of evaluating it (CSV injection).
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text
