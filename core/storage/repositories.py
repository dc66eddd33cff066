"""SQL implementations of the repository ports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from core import ports
from core.model.documents import InboundDocument
from core.model.orders import Order
from core.storage import tables


class SqlOrderRepository(ports.OrderRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order)

    def get(self, number: str) -> Order | None:
        return self.session.scalars(select(Order).filter_by(number=number)).one_or_none()

    def find_external(self, channel: str, partner: str, external_id: str) -> Order | None:
        query = select(Order).filter_by(
            channel=channel, partner=partner, external_order_id=external_id
        )
        return self.session.scalars(query).one_or_none()

    def find_external_many(self, keys):
        keys = set(keys)
        if not keys:
            return {}
        query = select(Order).where(
            tuple_(Order.channel, Order.partner, Order.external_order_id).in_(list(keys))
        )
        return {(o.channel, o.partner, o.external_order_id): o for o in self.session.scalars(query)}

    def find_by_source_document(
        self, channel: str, partner: str, source_document_id: str
    ) -> Order | None:
        query = select(Order).filter_by(
            channel=channel, partner=partner, source_document_id=source_document_id
        )
        return self.session.scalars(query.limit(1)).first()


class SqlDocumentRepository(ports.DocumentRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, document: InboundDocument) -> None:
        self.session.add(document)

    def get(self, document_id: int) -> InboundDocument | None:
        return self.session.get(InboundDocument, document_id)

    def get_many(self, document_ids: Iterable[int]) -> dict[int, InboundDocument]:
        query = select(InboundDocument).where(InboundDocument.id.in_(list(document_ids)))
        return {document.id: document for document in self.session.scalars(query)}


class SqlInbox(ports.Inbox):
    def __init__(self, session: Session) -> None:
        self.session = session

    def unseen(self, processor: str, message_ids: Iterable[str]) -> set[str]:
        wanted = set(message_ids)
        inbox = tables.inbox.c
        seen = self.session.execute(
            select(inbox.message_id).where(
                inbox.processor == processor, inbox.message_id.in_(wanted)
            )
        ).scalars()
        return wanted - set(seen)

    def record(self, processor: str, message_ids: Iterable[str]) -> None:
        now = datetime.now(UTC)
        rows = [{"processor": processor, "message_id": m, "processed_at": now} for m in message_ids]
        if rows:
            self.session.execute(insert(tables.inbox), rows)
