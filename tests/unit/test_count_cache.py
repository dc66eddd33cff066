"""Counts kept while nothing changes: a commit or the time limit makes them fresh."""

from __future__ import annotations

import itertools

from hub.count_cache import CountCache


class Counter:
    def __init__(self) -> None:
        self.commits = 0
        self.asked = itertools.count(1)

    def count(self) -> int:
        return next(self.asked)


def test_a_repeated_count_is_answered_from_memory_until_a_commit():
    source = Counter()
    cache = CountCache(lambda: source.commits, ttl=60)
    assert cache.get(("orders", None), source.count) == 1
    assert cache.get(("orders", None), source.count) == 1
    assert cache.get(("orders", frozenset({3})), source.count) == 2, "another scope"
    source.commits += 1
    assert cache.get(("orders", None), source.count) == 3


def test_an_old_answer_is_not_used():
    source = Counter()
    cache = CountCache(lambda: source.commits, ttl=0)
    assert cache.get("key", source.count) == 1
    assert cache.get("key", source.count) == 2
