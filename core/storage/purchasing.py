"""Suppliers, purchase orders and suppliers' last answers through the ORM and Core;
history of suppliers and POs is written by the commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core import ports
from core.model.purchasing import PurchaseOrder, Supplier
from core.storage import tables
from core.storage.quotes import _locked


class SqlPurchasingRepository(ports.PurchasingRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_supplier(self, supplier: Supplier) -> None:
        self.session.add(supplier)
        self.session.flush()

    def supplier(self, code: str) -> Supplier | None:
        return self.session.scalars(select(Supplier).filter_by(code=code)).one_or_none()

    def add(self, purchase_order: PurchaseOrder) -> None:
        self.session.add(purchase_order)
        self.session.flush()

    def get(self, number: str, *, lock: bool = False) -> PurchaseOrder | None:
        query = _locked(self.session, select(PurchaseOrder), lock).filter_by(number=number)
        return self.session.scalars(query).one_or_none()

    def for_order(self, order_id: int) -> list[PurchaseOrder]:
        query = select(PurchaseOrder).filter_by(order_id=order_id).order_by(PurchaseOrder.id)
        return list(self.session.scalars(query))

    def keep_pdf(self, number: str, pdf: bytes) -> None:
        po = tables.purchase_orders
        self.session.execute(update(po).where(po.c.number == number).values(pdf=pdf))

    def catalogue_cost(self, sku: str | None, supplier_code: str) -> ports.SupplierCost | None:
        if not sku:
            return None
        products, suppliers = tables.products, tables.product_suppliers
        query = (
            select(suppliers.c.supplier_part_id, suppliers.c.cost)
            .join(products, products.c.id == suppliers.c.product_id)
            .where(
                products.c.sku == sku,
                suppliers.c.supplier_code == supplier_code,
                suppliers.c.archived.is_(False),
            )
        )
        row = self.session.execute(query).first()
        return ports.SupplierCost(row.supplier_part_id, row.cost) if row else None

    def shipment_of(self, purchase_order_id: int, supplier_shipment_id: str) -> str | None:
        shipments = tables.shipments
        query = select(shipments.c.number).where(
            shipments.c.purchase_order_id == purchase_order_id,
            shipments.c.supplier_shipment_id == supplier_shipment_id,
        )
        return self.session.execute(query).scalar_one_or_none()

    def keep_availability(
        self,
        supplier_code: str,
        answers: Iterable[tuple[str, dict]],
        failed_parts: Iterable[str],
        error: str | None,
        now: datetime,
    ) -> None:
        fresh = {part: {"answer": answer, "fetched_at": now} for part, answer in answers}
        failed = {part: {"failed_at": now, "error": error} for part in failed_parts}
        table = tables.supplier_availability
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        for part, values in (*fresh.items(), *failed.items()):
            row = {"supplier_code": supplier_code, "supplier_part_id": part, **values}
            statement = insert(table).values(**row)
            self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["supplier_code", "supplier_part_id"], set_=values
                )
            )
