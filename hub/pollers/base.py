"""Marketplace polling: fetch what changed since the cursor, keep each document,
then move the cursor.

A source talks to one marketplace account and yields raw documents (one answer
page each); the poller keeps every one through the ingestion pipeline before it
moves the cursor, so a crash in the middle fetches the same pages again (the
normaliser recognises orders it already has). The cursor goes back by an overlap
because marketplaces publish changes a little late.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from hub.http_client import HttpFailed

log = logging.getLogger("orderb2b.pollers")
T = TypeVar("T")

OVERLAP = timedelta(minutes=5)


class Throttled(Exception):
    """The marketplace asked us to slow down; try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "throttled by the marketplace") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Patience:
    """How long a source may wait in place for a throttled call during one poll.

    Amazon refills its request buckets slowly (getOrderItems: one every two seconds),
    so a page of many orders cannot be read in one burst; giving up at the first
    throttle would start the page again next time and never finish it. Within the
    budget a source waits as told and carries on; past it, Throttled goes to the
    poller, which keeps what it has and waits.
    """

    def __init__(self, budget: float = 600.0, sleep: Callable[[float], object] = time.sleep):
        self.budget = budget
        self.sleep = sleep
        self.waited = 0.0

    def restart(self) -> None:
        self.waited = 0.0

    def call(self, function: Callable[..., T], *args) -> T:
        while True:
            try:
                return function(*args)
            except Throttled as throttled:
                if self.waited + throttled.retry_after > self.budget:
                    raise
                self.waited += throttled.retry_after
                log.info(
                    "waiting for the marketplace", extra={"retry_after": throttled.retry_after}
                )
                self.sleep(throttled.retry_after)


# The marketplace could not be reached or answered too much; sources may raise it
# for an error answer too.
PollFailed = HttpFailed


class Source(Protocol):
    channel: str
    partner: str

    def fetch(self, since: datetime | None) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class PollResult:
    documents: int
    cursor: datetime | None
    wait: float


class CursorStore(Protocol):
    def load(self, name: str) -> datetime | None: ...

    def save(
        self, name: str, cursor: datetime | None, documents: int, error: str | None
    ) -> None: ...


Keep = Callable[[str, str, bytes], object]


class Poller:
    def __init__(
        self,
        source: Source,
        keep: Keep,
        cursors: CursorStore,
        *,
        interval: float = 60.0,
        max_backoff: float = 900.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lease: Callable[[str], AbstractContextManager[bool]] | None = None,
    ) -> None:
        self.source = source
        self.lease = lease
        self.keep = keep
        self.cursors = cursors
        self.interval = interval
        self.max_backoff = max_backoff
        self.clock = clock
        self.failures = 0

    @property
    def name(self) -> str:
        return f"{self.source.channel}:{self.source.partner}"

    def poll_once(self) -> PollResult:
        """One pass; returns how many documents were kept and how long to wait. When
        another process holds this account's lease, it polls and this one waits."""
        if self.lease is None:
            return self._poll()
        with self.lease(self.name) as mine:
            return self._poll() if mine else PollResult(0, None, self.interval)

    def _poll(self) -> PollResult:
        since = self.cursors.load(self.name)
        started = self.clock()
        kept = 0
        try:
            for raw in self.source.fetch(since):
                self.keep(self.source.channel, self.source.partner, raw)
                kept += 1
        except Throttled as throttled:
            self.cursors.save(self.name, since, kept, str(throttled))
            log.info("poller throttled", extra={"poller": self.name, "kept": kept})
            return PollResult(kept, since, max(throttled.retry_after, 1.0))
        except Exception as error:
            self.failures += 1
            self.cursors.save(self.name, since, kept, _one_line(error))
            log.warning("poll failed", extra={"poller": self.name, "error": _one_line(error)})
            return PollResult(kept, since, self._backoff())
        self.failures = 0
        cursor = started - OVERLAP
        self.cursors.save(self.name, cursor, kept, None)
        return PollResult(kept, cursor, self.interval)

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            result = self.poll_once()
            stopping.wait(result.wait)

    def _backoff(self) -> float:
        delay = min(self.interval * 2 ** min(self.failures, 10), self.max_backoff)
        return delay * random.uniform(0.8, 1.0)


def _one_line(error: Exception) -> str:
    return " ".join((str(error) or type(error).__name__).split())
