"""The loop of a thread that sends what is due from a queue kept in the database:
it attempts one item at a time until nothing is due, then waits until the next
look or until it is woken (by a commit that may have queued something)."""

from __future__ import annotations

import logging
import threading


class DueSender:
    """Subclasses say how to attempt one due item (`send_one`, None when nothing is
    due) and what to log when an attempt fails unexpectedly."""

    failure = "sending failed"
    log = logging.getLogger("orderb2b")

    def __init__(self, idle_wait: float = 1.0) -> None:
        self.idle_wait = idle_wait
        self._wake = threading.Event()

    def send_one(self):
        raise NotImplementedError

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                sent = self.send_due()
            except Exception:
                self.log.exception(self.failure)
                sent = 0
            if not sent:
                self._wake.wait(self.idle_wait)
                self._wake.clear()

    def wake(self) -> None:
        self._wake.set()

    def send_due(self, limit: int = 100) -> int:
        """Attempt every due item, up to `limit`; returns how many were attempted."""
        for attempted in range(limit):
            if self.send_one() is None:
                return attempted
        return limit
