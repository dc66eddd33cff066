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
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger("orderb2b.pollers")

OVERLAP = timedelta(minutes=5)
MAX_BODY_BYTES = 10 * 1024 * 1024


class Throttled(Exception):
    """The marketplace asked us to slow down; try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "throttled by the marketplace") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PollFailed(Exception):
    """The marketplace answered with an error or could not be reached."""


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


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def http_call(request: urllib.request.Request, timeout: float = 30.0) -> HttpAnswer:
    """One HTTP exchange; an error status is an answer, not an exception. The body
    is bounded; an unreachable server raises PollFailed."""
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    except (urllib.error.URLError, OSError) as error:
        raise PollFailed(f"{request.full_url}: {_one_line(error)}") from error
    with response:
        body = response.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise PollFailed(f"{request.full_url}: answer larger than {MAX_BODY_BYTES} bytes")
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpAnswer(response.getcode(), headers, body)


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
    ) -> None:
        self.source = source
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
        """One pass; returns how many documents were kept and how long to wait."""
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
