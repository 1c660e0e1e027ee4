"""Break 7: a question log that cannot be written, and a broken index swapped in while serving.

One real ``assistant serve`` whose question log path is a directory (the log can never be opened) and
whose ``index/current`` is a symlink this module swaps. Before the fix, ``/api/feedback`` answered 404
「回答が見つかりません」 and ``/readyz`` said ready as if nothing was wrong, and a refused index was logged
every 2 s forever. Now: feedback answers 503 with a message that says it is the service's fault, readyz
reports ``degraded`` with the reason, chat still answers, and a refused index is logged once per build.
The last test makes a fault start and end under the suite's shared server (another process holding the
log's write lock), so readyz is seen turning degraded and back to ok.
"""

from __future__ import annotations

import os
import shutil
import time

import httpx
import pytest

pytestmark = pytest.mark.slow
REFUSED = "index reload failed"


@pytest.fixture(scope="module")
def faulty(real_index_dir, tmp_path_factory):
    from tests.realstack import server_env, serving

    workdir = tmp_path_factory.mktemp("log-faults")
    (workdir / "questions-is-a-directory").mkdir()
    indexes = workdir / "index"
    shutil.copytree(real_index_dir, indexes / "build-good")
    os.symlink("build-good", indexes / "current")
    env = server_env(indexes / "current", workdir, feedback_db=workdir / "questions-is-a-directory")
    with serving(workdir, env) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http, server, indexes


def test_feedback_on_an_unwritable_log_is_503_not_404(faulty):
    http, _, _ = faulty
    chat = http.post("/api/chat", json={"message": "コールセンターの担当課は？"})
    assert chat.status_code == 200 and "広報広聴課" in chat.json()["answer"]  # chat still answers
    reply = chat.json()
    rating = {"session_id": reply["session_id"], "message_id": reply["message_id"], "helpful": True}
    feedback = http.post("/api/feedback", json=rating)
    assert feedback.status_code == 503, feedback.text
    assert feedback.json()["detail"] == "ただいま評価を記録できません。しばらくしてから再度お試しください。"
    assert feedback.headers["retry-after"] == "60"


def test_readyz_reports_degraded_with_the_reason(faulty):
    http, _, _ = faulty
    ready = http.get("/readyz")
    assert ready.status_code == 200  # still answering: kept in the load balancer's rotation
    body = ready.json()
    assert body["ready"] is True and body["status"] == "degraded"
    assert any("question log" in reason for reason in body["reasons"]), body
    assert "questions-is-a-directory" not in ready.text  # no server paths on a public endpoint


def swap_in(indexes, name):
    link = indexes / f"next-{name}"
    os.symlink(name, link)
    os.replace(link, indexes / "current")  # atomic, as `assistant index build` does it


def broken_copy(indexes, name):
    shutil.copytree(indexes / "build-good", indexes / name)
    (indexes / name / "chunks.jsonl").write_text("not an index\n", encoding="utf-8")


def test_a_refused_index_is_logged_once_then_only_when_it_changes(faulty):
    http, server, indexes = faulty
    broken_copy(indexes, "build-broken-1")
    swap_in(indexes, "build-broken-1")
    time.sleep(7)  # three watcher rounds of 2 s: the old code logged three errors
    assert server.log().count(REFUSED) == 1, server.log()[-2000:]

    broken_copy(indexes, "build-broken-2")
    swap_in(indexes, "build-broken-2")
    time.sleep(5)
    assert server.log().count(REFUSED) == 2
    chat = http.post("/api/chat", json={"message": "コールセンターの担当課は？"})
    assert chat.status_code == 200 and "広報広聴課" in chat.json()["answer"]  # the old index still serves

    swap_in(indexes, "build-good")
    time.sleep(5)
    assert server.log().count(REFUSED) == 2


def test_readyz_follows_a_fault_that_starts_and_ends_while_serving(reliability_server):
    """Another process holds the log's write lock (as a backup tool might): writes fail after the busy
    timeout, readyz turns degraded and feedback 503; once the lock is gone, the next question heals both."""
    import sqlite3

    with httpx.Client(base_url=reliability_server.url, timeout=30) as http:
        assert http.post("/api/chat", json={"message": "DX推進課の事業を一覧で"}).status_code == 200
        assert http.get("/readyz").json()["status"] == "ok"
        blocker = sqlite3.connect(reliability_server.db_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            dropped = http.post("/api/chat", json={"message": "DX推進課の事業を一覧で"})
            assert dropped.status_code == 200  # answered; only its log row is lost
            ready = http.get("/readyz").json()
            assert ready["status"] == "degraded" and "locked" in ready["reasons"][0]
            rating = {"session_id": dropped.json()["session_id"], "message_id": dropped.json()["message_id"]}
            assert http.post("/api/feedback", json={**rating, "helpful": True}).status_code == 503
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        healed = http.post("/api/chat", json={"message": "DX推進課の事業を一覧で"}).json()
        assert http.get("/readyz").json()["status"] == "ok"
        rating = {"session_id": healed["session_id"], "message_id": healed["message_id"], "helpful": True}
        assert http.post("/api/feedback", json=rating).status_code == 201
