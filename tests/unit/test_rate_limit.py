"""The public forms' limit per address: so many requests in any window, then refusals
until the oldest falls out of the window; other addresses are not affected."""

from __future__ import annotations

from hub.http.rate_limit import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_gets_its_limit_in_any_window():
    clock = Clock()
    limit = RateLimit(3, 60, clock)
    assert [limit.allow("203.0.113.9") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("198.51.100.7"), "another address has its own count"
    clock.now += 59.9
    assert not limit.allow("203.0.113.9")
    clock.now += 0.2
    assert [limit.allow("203.0.113.9") for _ in range(4)] == [True, True, True, False]


def test_refusals_do_not_extend_the_wait():
    clock = Clock()
    limit = RateLimit(1, 10, clock)
    assert limit.allow(None)
    for _ in range(5):
        clock.now += 1
        assert not limit.allow(None)
    clock.now += 5
    assert limit.allow(None)
