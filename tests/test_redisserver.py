"""The private redis-server fixture really serves (the shared-state tests rely on it)."""

import redis


def test_redis_fixture_serves_a_private_empty_database(redis_url):
    client = redis.Redis.from_url(redis_url)
    assert client.dbsize() == 0
    client.set("npa-test", "値")
    assert client.get("npa-test").decode() == "値"
    client.delete("npa-test")
