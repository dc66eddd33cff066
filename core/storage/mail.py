"""Email sent and received, and comments from email, through the ORM; history of
each is written by the commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import ports
from core.model.mail import PENDING, DocumentComment, InboundMail, OutgoingMail
from core.storage import tables

DOCUMENT_TABLES = {
    "order": tables.orders,
    "quote": tables.quotes,
    "invoice": tables.invoices,
    "shipment": tables.shipments,
    "purchase_order": tables.purchase_orders,
    "rfq": tables.rfqs,
    "rma": tables.rmas,
    "task": tables.tasks,
    "discussion": tables.discussions,
}


class SqlMailRepository(ports.MailRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_outgoing(self, mail: OutgoingMail) -> None:
        self.session.add(mail)
        self.session.flush()

    def outgoing(self, mail_id: int) -> OutgoingMail | None:
        return self.session.get(OutgoingMail, mail_id)

    def claim_outgoing(self, mail_id: int) -> OutgoingMail | None:
        query = select(OutgoingMail).where(
            OutgoingMail.id == mail_id, OutgoingMail.state == PENDING
        )
        return self.session.scalars(self._skip_locked(query)).first()

    def due_outgoing(self, now: datetime, limit: int) -> list[OutgoingMail]:
        query = (
            select(OutgoingMail)
            .where(OutgoingMail.state == PENDING, OutgoingMail.next_attempt_at <= now)
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
            .limit(limit)
        )
        return list(self.session.scalars(self._skip_locked(query)))

    def outgoing_by_message_ids(self, message_ids: Iterable[str]) -> list[OutgoingMail]:
        wanted = [m for m in dict.fromkeys(message_ids) if m][:100]
        if not wanted:
            return []
        query = select(OutgoingMail).where(OutgoingMail.message_id.in_(wanted))
        return list(self.session.scalars(query))

    def add_inbound(self, mail: InboundMail) -> None:
        self.session.add(mail)
        self.session.flush()

    def inbound(self, mail_id: int, *, lock: bool = False) -> InboundMail | None:
        query = select(InboundMail).where(InboundMail.id == mail_id)
        if lock and self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def inbound_by_digest(self, sha256: str) -> InboundMail | None:
        query = select(InboundMail).where(InboundMail.sha256 == sha256)
        return self.session.scalars(query).first()

    def add_comment(self, comment: DocumentComment) -> None:
        self.session.add(comment)
        self.session.flush()

    def document_id(self, kind: str, number: str) -> int | None:
        table = DOCUMENT_TABLES.get(kind)
        if table is None:
            return None
        return self.session.scalar(select(table.c.id).where(table.c.number == number))

    def _skip_locked(self, query):
        if self.session.bind.dialect.name == "postgresql":
            return query.with_for_update(skip_locked=True)
        return query
