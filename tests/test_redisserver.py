"""The private redis-server fixture really serves (the shared-state tests rely on it)."""

import uuid

import redis


def test_redis_fixture_serves_a_private_server_without_persistence(redis_url):
    client = redis.Redis.from_url(redis_url)
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    assert client.config_get("port")["port"] == port  # our own server on our own port
    assert client.config_get("save")["save"] == "" and client.config_get("appendonly")["appendonly"] == "no"
    key = f"npa-test-{uuid.uuid4().hex}"  # the session's server is shared by other tests: a key of our own
    client.set(key, "値")
    assert client.get(key).decode() == "値"
    client.delete(key)
    assert client.get(key) is None
