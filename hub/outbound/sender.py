"""Delivers queued outbound documents to partners' endpoints and records each
answer. One document per transaction: a slow partner holds one row, not a batch;
on PostgreSQL, several senders skip each other's rows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import NamedTuple

from core.model.outbound import OutboundDocument
from hub import http_client
from hub.due_sender import DueSender

log = logging.getLogger("orderb2b.outbound")


class Verdict(NamedTuple):
    """How a partner's answer reads: its code and text, accepted or not, final or not."""

    code: int
    text: str
    accepted: bool
    final: bool


Interpret = Callable[[int, bytes], Verdict]


def http_verdict(status: int, body: bytes) -> Verdict:
    """Plain HTTP: 2xx accepted, other 4xx refused for good, 408/429/5xx retried."""
    text = body[:200].decode("utf-8", "replace").strip() or f"HTTP {status}"
    return Verdict(status, " ".join(text.split()), 200 <= status < 300, _final(status))


def _final(status: int) -> bool:
    return 400 <= status < 500 and status not in (408, 425, 429)


class OutboundSender(DueSender):
    failure = "outbound delivery failed"
    log = log

    def __init__(
        self,
        uow_factory,
        interpreters: Mapping[str, Interpret],
        *,
        post=http_client.post,
        idle_wait: float = 1.0,
        timeout: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(idle_wait)
        self.uow_factory = uow_factory
        self.interpreters = interpreters
        self.post = post
        self.timeout = timeout
        self.clock = clock

    def send_one(self, document_id: int | None = None) -> OutboundDocument | None:
        """Attempt the next due document, or the given one if it is still pending and
        no other sender holds it; None when there is nothing to attempt."""
        with self.uow_factory() as uow:
            now = self.clock()
            if document_id is None:
                due = uow.outbound.due(now, 1)
                document = due[0] if due else None
            else:
                document = uow.outbound.claim(document_id)
            if document is None or document.endpoint is None:
                return None
            self._attempt(document, now)
            uow.commit()
            return document

    def _attempt(self, document: OutboundDocument, now: datetime) -> None:
        interpret = self.interpreters.get(document.channel, http_verdict)
        try:
            answer = self.post(document.endpoint, document.raw, document.content_type, self.timeout)
        except http_client.HttpFailed as error:
            document.unreachable(str(error), now)
            log.warning("partner unreachable", extra={"document": document.id, "error": str(error)})
            return
        verdict = interpret(answer.status, answer.body)
        document.answered(
            verdict.code,
            verdict.text,
            answer.body,
            accepted=verdict.accepted,
            final=verdict.final,
            now=now,
        )
        log.info(
            "outbound document answered",
            extra={"document": document.id, "code": verdict.code, "state": document.state},
        )
