"""The small LRU map behind the query-vector and answer caches."""

from __future__ import annotations

from assistant.lru import LRU


def test_lru_evicts_the_least_recently_used_and_counts_hits():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert (cache.hits, cache.misses, len(cache)) == (3, 1, 2)


def test_lru_of_size_zero_keeps_nothing():
    cache: LRU[str, int] = LRU(0)
    cache.put("a", 1)
    assert cache.get("a") is None and len(cache) == 0
