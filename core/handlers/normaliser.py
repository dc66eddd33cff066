"""The normaliser: turns a received document into canonical orders and ingests them."""

from __future__ import annotations

from collections.abc import Mapping

from core import commands, events, ports
from core.errors import DocumentError
from core.handlers.orders import DUPLICATE, ingest_order
from core.model.documents import DUPLICATE as DOCUMENT_DUPLICATE
from core.model.documents import FAILED, PROCESSED, RECEIVED


class Normaliser:
    name = "normaliser"
    routing_keys = ("document.received",)

    def __init__(self, parsers: Mapping[str, ports.DocumentParser]) -> None:
        self.parsers = parsers

    def handle(self, event: events.DocumentReceived, uow: ports.UnitOfWork) -> None:
        document = uow.documents.get(event.document_id)
        if document is None or document.state != RECEIVED:
            return
        try:
            orders = self.parsers[document.channel](document.raw, document.partner)
        except DocumentError as error:
            document.settle(FAILED, str(error))
            uow.emit(
                events.DocumentFailed(document.id, document.channel, document.partner, str(error))
            )
            return
        outcomes = [ingest_order(commands.IngestOrder(o, document.id), uow)[0] for o in orders]
        state = DOCUMENT_DUPLICATE if outcomes and set(outcomes) == {DUPLICATE} else PROCESSED
        document.settle(state)
