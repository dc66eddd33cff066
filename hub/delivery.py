"""In-process delivery of the outbox: the embedded default, with no broker.

The same processors and inbox as with RabbitMQ; a row stays unsent until every
subscriber has handled it or given it up to the dead letters, so a crash loses
nothing and a restart redelivers (the inbox makes that harmless).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from core.messagebus import Message, MessageBus
from core.storage import dead_letters, outbox
from hub.config import Config
from hub.metrics import record_batch

log = logging.getLogger("orderb2b.delivery")


class InProcessDelivery:
    def __init__(self, bus: MessageBus, engine, config: Config, metrics=None) -> None:
        self.bus = bus
        self.metrics = metrics
        self.engine = engine
        self.config = config
        self._attempts: dict[tuple[str, str], int] = {}
        self._due: dict[tuple[str, str], float] = {}
        self._wake = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                delivered = self.run_once()
            except Exception:
                log.exception("in-process delivery failed; trying again")
                stopping.wait(1.0)
                continue
            if delivered == 0:
                self._wake.wait(0.2)
                self._wake.clear()

    def drain(self, timeout: float = 60.0) -> None:
        """Deliver until nothing is left (retries included) or the time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run_once() == 0 and not self._due and outbox.backlog(self.engine) == 0:
                return
            if self._due:
                time.sleep(min(0.05, max(0.0, min(self._due.values()) - time.monotonic())))
        raise TimeoutError("in-process delivery did not drain in time")

    def run_once(self) -> int:
        rows = outbox.fetch_unsent(self.engine, self.config.batch_size * 5)
        if not rows:
            return 0
        now = time.monotonic()
        batches: dict[str, list[Message]] = defaultdict(list)
        unsettled: set[str] = set()
        for _, message in rows:
            for processor in self.bus.subscribers(message):
                key = (message.message_id, processor.name)
                if self._due.get(key, 0) > now:
                    unsettled.add(message.message_id)
                else:
                    batches[processor.name].append(message)
        for name, messages in batches.items():
            started = time.perf_counter()
            failures = self.bus.deliver(self.bus.processors[name], messages)
            record_batch(self.metrics, name, len(messages), time.perf_counter() - started)
            for message, error in failures:
                if not self._failed(name, message, error):
                    unsettled.add(message.message_id)
            failed = {message.message_id for message, _ in failures}
            for message in messages:
                if message.message_id not in failed:
                    self._forget((message.message_id, name))
        done = [row_id for row_id, message in rows if message.message_id not in unsettled]
        outbox.mark_sent(self.engine, done)
        return len(done)

    def _failed(self, processor: str, message: Message, error: Exception) -> bool:
        """Count a failure; returns True once the message is given up to the dead letters."""
        key = (message.message_id, processor)
        attempts = self._attempts.get(key, 0) + 1
        log.warning(
            "delivery failed",
            extra={
                "processor": processor,
                "message_id": message.message_id,
                "error": str(error),
            },
        )
        if attempts >= self.config.max_attempts:
            dead_letters.record(self.engine, processor, message, _describe(error), attempts)
            self._forget(key)
            return True
        self._attempts[key] = attempts
        self._due[key] = time.monotonic() + self.config.retry_delay(attempts)
        return False

    def _forget(self, key: tuple[str, str]) -> None:
        self._attempts.pop(key, None)
        self._due.pop(key, None)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
