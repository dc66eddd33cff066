"""The normaliser: turns received documents into canonical orders and ingests them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from core import commands, events, ports
from core.errors import DocumentError, NotFound
from core.handlers.orders import DUPLICATE, ingest_orders
from core.handlers.purchasing import (
    check_supplier_document,
    record_command,
    record_supplier_document,
)
from core.model.documents import DUPLICATE as DOCUMENT_DUPLICATE
from core.model.documents import FAILED, PROCESSED, RECEIVED, ReceivedDocument
from core.model.purchasing import PurchasingRefused


class Normaliser:
    name = "normaliser"
    routing_keys = ("document.received",)

    def __init__(
        self,
        parsers: Mapping[str, ports.DocumentParser],
        supplier_parsers: Mapping[str, Callable[[bytes, str | None], list]] | None = None,
    ) -> None:
        self.parsers = parsers
        self.supplier_parsers = supplier_parsers or {}

    def handle(self, event: events.DocumentReceived, uow: ports.UnitOfWork) -> None:
        self.handle_batch([event], uow)

    def handle_batch(self, batch: list[events.DocumentReceived], uow: ports.UnitOfWork) -> None:
        documents = uow.documents.get_many(e.document_id for e in batch)
        ingest: list[commands.IngestOrder] = []
        owners: list[ReceivedDocument] = []
        for event in batch:
            document = documents.get(event.document_id)
            if document is None or document.state != RECEIVED:
                continue
            if self._from_supplier(document, uow):
                continue
            for order in self._parse(document, uow):
                ingest.append(commands.IngestOrder(order, document.id))
                owners.append(document)
        outcomes: dict[int, set[str]] = {}
        for document, (outcome, _) in zip(owners, ingest_orders(ingest, uow), strict=True):
            outcomes.setdefault(document.id, set()).add(outcome)
        for document_id, kinds in outcomes.items():
            documents[document_id].settle(DOCUMENT_DUPLICATE if kinds == {DUPLICATE} else PROCESSED)
        for document in documents.values():
            if document.state == RECEIVED:
                document.settle(FAILED, "the document holds no orders")

    def _from_supplier(self, document: ReceivedDocument, uow: ports.UnitOfWork) -> bool:
        """Record a supplier's ship notices and confirmations of our POs; False when
        the document holds none. One that cannot be recorded fails whole."""
        reader = self.supplier_parsers.get(document.channel)
        try:
            found = reader(document.raw, document.partner) if reader else []
            if not found:
                if reader and document.channel not in self.parsers:
                    document.settle(PROCESSED)  # e.g. a supplier's answer: nothing shipped yet
                    return True
                return False
            checked = [record_command(item, document.id) for item in found]
            for command in checked:
                check_supplier_document(command, uow)
            for command in checked:
                record_supplier_document(command, uow)
        except (DocumentError, NotFound, PurchasingRefused) as error:
            document.settle(FAILED, str(error))
            uow.emit(
                events.DocumentFailed(document.id, document.channel, document.partner, str(error))
            )
            return True
        document.settle(PROCESSED)
        return True

    def _parse(self, document: ReceivedDocument, uow: ports.UnitOfWork) -> list:
        try:
            return self.parsers[document.channel](document.raw, document.partner)
        except DocumentError as error:
            document.settle(FAILED, str(error))
            uow.emit(
                events.DocumentFailed(document.id, document.channel, document.partner, str(error))
            )
            return []
