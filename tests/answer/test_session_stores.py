"""The session stores: ids issued by the server only, TTL and bound, and sharing between processes.

Each store is exercised for real: an in-process LRU, a SQLite file opened by two store objects (as two
worker processes would), and a private ``redis-server`` (the ``redis_url`` fixture).
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from assistant.answer.session import ID_SHAPE, MemorySessionStore, open_session_store
from assistant.answer.session_stores import RedisSessionStore, SQLiteSessionStore
from assistant.settings import Settings

GUESSES = ["aaaaaaaa", "abcdefgh12345678", "x" * 43, "", "   ", "../../etc/passwd", "ｱｲｳｴｵ" * 8, "a" * 64]


def stores(tmp_path, redis_url=None):
    made = {"memory": MemorySessionStore(100, 60), "sqlite": SQLiteSessionStore(tmp_path / "s.sqlite3", 100, 60)}
    if redis_url:
        made["redis"] = RedisSessionStore(redis_url, 60)
    return made


def check_issued_ids_only(store):
    """Guessed ids are never adopted; the real id comes back with its state; a changed one does not."""
    for guess in GUESSES:
        session = store.get_or_create(guess)
        assert session.id != guess and ID_SHAPE.fullmatch(session.id)
        assert session.reset is bool(guess)
    victim = store.get_or_create(None)
    assert not victim.reset and len(victim.id) >= 43  # token_urlsafe(32): 256 bits
    victim.last_ids, victim.last_intent = ["H1-1/1/6"], "who"
    store.save(victim)

    again = store.get_or_create(victim.id)
    assert again.id == victim.id and again.last_ids == ["H1-1/1/6"] and not again.reset
    flipped = victim.id[:-1] + ("A" if victim.id[-1] != "A" else "B")
    other = store.get_or_create(flipped)
    assert other.id not in {victim.id, flipped} and other.last_ids == [] and other.reset


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_only_server_issued_ids_are_accepted(tmp_path, kind):
    check_issued_ids_only(stores(tmp_path)[kind])


def test_redis_accepts_only_server_issued_ids(tmp_path, redis_url):
    check_issued_ids_only(RedisSessionStore(redis_url, 60))


def test_two_sqlite_store_objects_share_sessions_like_two_workers(tmp_path):
    path = tmp_path / "state.sqlite3"
    worker_a, worker_b = SQLiteSessionStore(path), SQLiteSessionStore(path)
    first = worker_a.get_or_create(None)
    first.last_ids, first.last_intent = ["H3-2/1/1"], "lookup"
    worker_a.save(first)

    followed = worker_b.get_or_create(first.id)  # the follow-up lands on the other worker
    assert followed.id == first.id and followed.last_ids == ["H3-2/1/1"] and followed.last_intent == "lookup"
    followed.last_ids = ["H1-1/1/6"]
    worker_b.save(followed)
    assert worker_a.get_or_create(first.id).last_ids == ["H1-1/1/6"]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_store_honours_ttl_and_bound(tmp_path):
    store = SQLiteSessionStore(tmp_path / "s.sqlite3", max_sessions=3, ttl_s=0.5)
    old = store.get_or_create(None)
    time.sleep(0.7)
    gone = store.get_or_create(old.id)
    assert gone.id != old.id and gone.reset  # expired: a new session, and the client is told

    store.ttl_s = 60
    ids = [store.get_or_create(None).id for _ in range(5)]
    assert len(store) == 3
    assert store.get_or_create(ids[0]).reset  # the least recently touched went first
    assert not store.get_or_create(ids[-1]).reset


def test_redis_sessions_expire_through_redis(redis_url):
    store = RedisSessionStore(redis_url, ttl_s=1)
    session = store.get_or_create(None)
    store.save(session)
    assert 0 < store.ttl(session.id) <= 1
    time.sleep(1.5)
    assert store.ttl(session.id) == -2
    assert store.get_or_create(session.id).reset


def test_two_redis_store_objects_share_sessions_like_two_hosts(redis_url):
    host_a, host_b = RedisSessionStore(redis_url), RedisSessionStore(redis_url)
    first = host_a.get_or_create(None)
    first.last_ids = ["H2-1/1/1"]
    host_a.save(first)
    assert host_b.get_or_create(first.id).last_ids == ["H2-1/1/1"]


def test_stores_keep_ids_not_text(tmp_path):
    store = SQLiteSessionStore(tmp_path / "s.sqlite3")
    session = store.get_or_create(None)
    session.last_ids, session.last_intent = ["H1-1/1/6"], "who"
    store.save(session)
    columns = [row[1] for row in sqlite3.connect(tmp_path / "s.sqlite3").execute("PRAGMA table_info(sessions)")]
    assert columns == ["id", "data", "touched"]
    assert set(__import__("json").loads(session.to_json())) == {"last_ids", "last_intent", "turns"}


def test_a_store_fault_answers_without_memory(tmp_path):
    store = SQLiteSessionStore(tmp_path / "s.sqlite3")
    known = store.get_or_create(None)
    store.close()  # every later statement fails like a vanished or locked file would
    session = store.get_or_create(known.id)
    assert session.id != known.id and session.reset
    store.save(session)  # logged, not raised


def test_unreachable_redis_answers_without_memory():
    from assistant.liveserver import free_port

    store = RedisSessionStore(f"redis://127.0.0.1:{free_port()}/0")
    assert store.get_or_create(None).id
    store.save(store.get_or_create(None))


def test_state_url_selects_the_store(tmp_path, redis_url):
    def store_for(url):
        return open_session_store(Settings(state_url=url, model_dir=tmp_path))

    assert isinstance(store_for(""), MemorySessionStore)
    sqlite_store = store_for(f"sqlite:///{tmp_path}/state.sqlite3")
    assert isinstance(sqlite_store, SQLiteSessionStore) and sqlite_store.path == tmp_path / "state.sqlite3"
    assert isinstance(store_for(redis_url), RedisSessionStore)
    with pytest.raises(ValueError, match="state_url"):
        store_for("postgres://db/x")
