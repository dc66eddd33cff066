"""Shipments and invoices through the ORM; history is written by the commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import ports
from core.model.invoices import Invoice
from core.model.orders import Order
from core.model.shipments import Shipment


class SqlShipmentRepository(ports.ShipmentRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, shipment: Shipment) -> None:
        self.session.add(shipment)

    def get(self, number: str) -> Shipment | None:
        return self.session.scalars(select(Shipment).filter_by(number=number)).one_or_none()

    def for_order(self, order_number: str) -> list[Shipment]:
        query = (
            select(Shipment)
            .join(Order, Shipment.order_id == Order.id)
            .where(Order.number == order_number)
            .order_by(Shipment.id)
        )
        return list(self.session.scalars(query))


class SqlInvoiceRepository(ports.InvoiceRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, invoice: Invoice) -> None:
        self.session.add(invoice)

    def get(self, number: str) -> Invoice | None:
        return self.session.scalars(select(Invoice).filter_by(number=number)).one_or_none()

    def for_order(self, order_number: str) -> list[Invoice]:
        query = (
            select(Invoice)
            .join(Order, Invoice.order_id == Order.id)
            .where(Order.number == order_number)
            .order_by(Invoice.id)
        )
        return list(self.session.scalars(query))
