"""Counts answered from memory while nothing has changed.

A count of orders per status reads every matching order, so a screen that asks for
it with each list would cost more than the list. The API keeps each answer (by
filters and scope) for up to TTL seconds, and forgets them all as soon as this
process commits any unit of work. Orders processed in worker processes are not seen
committing here, so their counts may lag by up to TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

TTL = 2.0
MAX_ENTRIES = 1024


class CountCache:
    def __init__(self, commits: Callable[[], int], ttl: float = TTL) -> None:
        self.commits = commits
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[int, float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, count: Callable[[], Any]) -> Any:
        """The remembered answer for key, or a fresh one from `count`."""
        generation, now = self.commits(), time.monotonic()
        with self._lock:
            kept = self._entries.get(key)
        if kept and kept[0] == generation and now - kept[1] < self.ttl:
            return kept[2]
        answer = count()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (generation, now, answer)
        return answer
