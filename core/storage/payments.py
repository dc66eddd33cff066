"""Payments through the ORM, inside the unit of work's transaction; the history of a
payment is written by the commit, its events are rows of their own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import ports
from core.model.invoices import CREDIT, Invoice
from core.model.payments import Payment


class SqlPaymentRepository(ports.PaymentRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, payment: Payment) -> None:
        self.session.add(payment)
        self.session.flush()

    def get(self, number: str, *, lock: bool = False) -> Payment | None:
        query = _locked(self.session, select(Payment).filter_by(number=number), lock)
        return self.session.scalars(query).one_or_none()

    def invoice(self, number: str, *, lock: bool = False) -> Invoice | None:
        query = _locked(self.session, select(Invoice).filter_by(number=number), lock)
        return self.session.scalars(query).one_or_none()

    def for_invoice(self, invoice_id: int) -> list[Payment]:
        query = select(Payment).filter_by(invoice_id=invoice_id).order_by(Payment.id)
        return list(self.session.scalars(query))

    def credit_notes(self, invoice_id: int) -> list[Invoice]:
        query = select(Invoice).filter_by(
            credits_invoice_id=invoice_id, purpose=CREDIT, archived=False
        )
        return list(self.session.scalars(query.order_by(Invoice.id)))


def _locked(session: Session, query, lock: bool):
    """Held for this transaction on PostgreSQL (SQLite serialises its writers)."""
    if lock and session.bind.dialect.name == "postgresql":
        return query.with_for_update()
    return query
