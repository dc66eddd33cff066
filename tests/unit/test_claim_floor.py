"""Where the relay's next claim starts."""

from __future__ import annotations

import time

from hub.amqp.relay import ClaimFloor


def test_the_floor_follows_the_rows_claimed_less_a_margin():
    floor = ClaimFloor(margin=100, sweep_every=60)
    assert floor.value() == 0
    floor.claimed(0, [5, 6, 7])
    assert floor.value() == 0
    floor.claimed(0, [150, 251])
    assert floor.value() == 151
    floor.claimed(151, [])
    assert floor.value() == 151


def test_the_floor_drops_to_the_start_for_a_sweep_now_and_then():
    floor = ClaimFloor(margin=10, sweep_every=0.05)
    floor.claimed(0, [500])
    assert floor.value() == 490
    time.sleep(0.06)
    assert floor.value() == 0
    floor.claimed(0, [])
    assert floor.value() == 490
