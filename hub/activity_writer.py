"""Writes the API's activity records in batches, off the request path.

Every /api/v1 call is recorded; a call only adds its record to a queue, and one
thread writes what has gathered every INTERVAL seconds in a single INSERT. A record
reaches the database within about INTERVAL of the call; on a clean stop the queue is
written out, and a database error keeps the records for the next round (up to
MAX_WAITING, past which the oldest are logged and dropped rather than growing
without bound). Staff changes are not written here: their commands record their
activity in the same transaction as the change.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from core.access import Principal
from core.storage import activity

log = logging.getLogger("orderb2b.activity")
INTERVAL = 0.1
MAX_WAITING = 100_000


class ActivityWriter:
    def __init__(self, engine: Engine, interval: float = INTERVAL) -> None:
        self.engine = engine
        self.interval = interval
        self._waiting: deque[dict] = deque()
        self._writing = threading.Lock()
        self._wake = threading.Event()

    def add(
        self,
        principal: Principal,
        action: str,
        *,
        document_type: str | None = None,
        document_id: str | None = None,
        remote_addr: str | None = None,
        detail: dict | None = None,
    ) -> None:
        if len(self._waiting) >= MAX_WAITING:
            lost = self._waiting.popleft()
            log.error("activity record dropped: the database is not taking them", extra=lost)
        self._waiting.append(
            activity.entry(
                principal,
                action,
                at=datetime.now(UTC),
                document_type=document_type,
                document_id=document_id,
                detail=detail,
                remote_addr=remote_addr,
            )
        )

    def flush(self) -> int:
        """Write everything added so far; how many records were written."""
        with self._writing:
            batch = list(self._waiting)
            if not batch:
                return 0
            activity.record_many(self.engine, batch)
            for _ in batch:
                self._waiting.popleft()
            return len(batch)

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self._flush_logging_errors()
        self._flush_logging_errors()

    def wake(self) -> None:
        self._wake.set()

    def _flush_logging_errors(self) -> None:
        try:
            self.flush()
        except Exception as error:
            log.error("activity records not written yet", extra={"error": str(error)})
