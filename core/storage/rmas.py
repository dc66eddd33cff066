"""Storage of returns (RMAs): mapping, repository and audit roots. An RMA is loaded
with its lines and its order; its history (and its lines') is written by the
commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, registry, relationship

from core import ports
from core.model.orders import Order
from core.model.rmas import Rma, RmaLine
from core.storage import tables

AUDIT_ROOTS: dict = {
    Rma: ("rma", lambda r: r.id),
    RmaLine: ("rma", lambda line: line.rma_id),
}
ENTITY_NAMES: dict = {Rma: "rma", RmaLine: "rma_line"}
_orders = tables.orders.c
_rmas = tables.rmas.c


def map_rmas(mapper_registry: registry) -> None:
    """Maps the returns (RMAs) classes onto their tables."""
    mapper_registry.map_imperatively(RmaLine, tables.rma_lines)
    lines = relationship(RmaLine, order_by=tables.rma_lines.c.line_number, lazy="selectin")
    mapper_registry.map_imperatively(
        Rma, tables.rmas, properties={"order": relationship(Order), "lines": lines}
    )


class SqlRmaRepository(ports.RmaRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, rma: Rma) -> None:
        self.session.add(rma)
        self.session.flush()

    def get(self, number: str, *, lock: bool = False) -> Rma | None:
        if lock and self._postgresql:
            held = (
                select(_rmas.id, _orders.id)
                .join(tables.orders, _orders.id == _rmas.order_id)
                .where(_rmas.number == number)
                .with_for_update()
            )
            self.session.execute(held)
        return self.session.scalars(select(Rma).filter_by(number=number)).one_or_none()

    def for_order(self, order_id: int) -> list[Rma]:
        query = select(Rma).filter_by(order_id=order_id).order_by(Rma.id)
        return list(self.session.scalars(query))

    def lock_order(self, order_number: str) -> None:
        # SQLite: every write transaction holds the whole database.
        if self._postgresql:
            query = select(_orders.id).where(_orders.number == order_number).with_for_update()
            self.session.execute(query)

    @property
    def _postgresql(self) -> bool:
        return self.session.bind.dialect.name == "postgresql"
