"""Group commit for the cXML edge: one thread checks and keeps waiting documents
together, in one transaction, then answers each request on the reactor.

Under the GIL, more threads would only add switching; batching turns many small
transactions into one and keeps the reactor free.
"""

from __future__ import annotations

import logging
import queue
import threading

from twisted.internet.defer import Deferred

from hub.intake import Answer, CxmlIntake

log = logging.getLogger("orderb2b.intake")


class IntakeQueue:
    def __init__(self, intake: CxmlIntake, reactor, max_batch: int = 100) -> None:
        self.intake = intake
        self.reactor = reactor
        self.max_batch = max_batch
        self._waiting: queue.SimpleQueue = queue.SimpleQueue()

    def submit(self, body: bytes, remote_addr: str | None, size: int | None) -> Deferred:
        answered: Deferred = Deferred()
        self._waiting.put(((body, remote_addr, size), answered))
        return answered

    def run(self, stopping: threading.Event) -> None:
        while not (stopping.is_set() and self._waiting.empty()):
            try:
                batch = [self._waiting.get(timeout=0.1)]
            except queue.Empty:
                continue
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self._answer(batch)

    def _answer(self, batch) -> None:
        try:
            answers = self.intake.receive_many([request for request, _ in batch])
        except Exception:
            log.exception("documents could not be kept")
            answers = [Answer(500, "the document could not be kept; send it again")] * len(batch)
        # One wake-up of the reactor for the whole batch.
        self.reactor.callFromThread(_deliver, [answered for _, answered in batch], answers)


def _deliver(waiting: list[Deferred], answers: list[Answer]) -> None:
    for answered, answer in zip(waiting, answers, strict=True):
        answered.callback(answer)
