"""Break 4: sessions can no longer be borrowed, and they follow a conversation across processes.

Before the fix any 8-64 character alphanumeric id a client sent became a session, so ``aaaaaaaa`` or a
victim's id (seen over a shoulder, in a log, or guessed) continued someone else's conversation: with the
victim's id, 「それはいつから？」 answered about the victim's previous question. Now the server issues every
id (256 random bits), an id it did not issue starts a new session and the reply says ``session_reset``.

The second half runs two real servers on one ``sqlite:///`` state file, as two workers of one host would,
and follows a conversation from one to the other.
"""

from __future__ import annotations

from contextlib import ExitStack

import httpx
import pytest

pytestmark = pytest.mark.slow
FIRST, FOLLOW_UP = "ネーミングライツって何？", "それはいつから？"
VICTIMS_DATE = "令和4年度（2022年度）"  # when ネーミングライツ事業 started


def chat(http, message, session_id=None):
    reply = http.post("/api/chat", json={"message": message, "session_id": session_id})
    assert reply.status_code == 200, reply.text
    return reply.json()


def one_changed(session_id: str) -> str:
    return session_id[:-1] + ("A" if session_id[-1] != "A" else "B")


def test_a_guessed_or_altered_id_never_reaches_the_victims_conversation(reliability_server):
    with httpx.Client(base_url=reliability_server.url, timeout=30) as http:
        victim = chat(http, FIRST)
        assert victim["citations"][0]["name"] == "ネーミングライツ事業" and victim["session_reset"] is False
        assert len(victim["session_id"]) >= 43  # secrets.token_urlsafe(32)

        for guess in ["aaaaaaaa", "abcdefgh", one_changed(victim["session_id"]), victim["session_id"] + "x"]:
            stolen = chat(http, FOLLOW_UP, guess)
            assert stolen["session_reset"] is True
            assert stolen["session_id"] not in {guess, victim["session_id"]}
            assert VICTIMS_DATE not in stolen["answer"]
            assert all(c["name"] != "ネーミングライツ事業" for c in stolen["citations"])

        # The victim's own id still carries the conversation.
        own = chat(http, FOLLOW_UP, victim["session_id"])
        assert own["session_reset"] is False and own["session_id"] == victim["session_id"]
        assert own["answer_type"] == "when" and VICTIMS_DATE in own["answer"]


def test_a_new_conversation_is_not_a_reset(reliability_server):
    with httpx.Client(base_url=reliability_server.url, timeout=30) as http:
        for session_id in [None, ""]:
            assert chat(http, FIRST, session_id)["session_reset"] is False


@pytest.fixture(scope="module")
def two_workers(real_index_dir, tmp_path_factory):
    from tests.realstack import server_env, serving

    workdir = tmp_path_factory.mktemp("two-workers")
    env = server_env(real_index_dir, workdir, state_url=f"sqlite:///{workdir / 'state.sqlite3'}")
    with ExitStack() as stack:
        for name in ("a", "b"):
            (workdir / name).mkdir()
        servers = [stack.enter_context(serving(workdir / name, env)) for name in ("a", "b")]
        yield [server.url for server in servers], workdir / "state.sqlite3"


def test_a_follow_up_on_another_worker_continues_the_conversation(two_workers):
    (url_a, url_b), state = two_workers
    with httpx.Client(base_url=url_a, timeout=30) as a, httpx.Client(base_url=url_b, timeout=30) as b:
        first = chat(a, FIRST)
        follow = chat(b, FOLLOW_UP, first["session_id"])
        assert follow["session_reset"] is False and VICTIMS_DATE in follow["answer"]
        assert chat(a, FOLLOW_UP, "aaaaaaaa")["session_reset"] is True
    stored = b"".join(path.read_bytes() for path in state.parent.glob("state.sqlite3*"))  # file and WAL
    assert first["session_id"].encode() in stored
    assert "ネーミングライツ".encode() not in stored and "いつから".encode() not in stored  # never text
