"""How often one address may use a public form: at most `limit` requests in any
`window` seconds, answered 429 beyond that. Kept in memory for the addresses seen
lately (at most MAX_ADDRESSES; the longest quiet ones are forgotten first)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

MAX_ADDRESSES = 10_000


class RateLimit:
    def __init__(self, limit: int, window: float, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, address: str | None) -> bool:
        """Counts this request; False when the address has used up its window."""
        now, key = self.clock(), address or "unknown"
        with self._lock:
            times = self._seen.pop(key, None) or deque()
            while times and now - times[0] >= self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            self._seen[key] = times
            if len(self._seen) > MAX_ADDRESSES:
                self._seen.popitem(last=False)
            return allowed
