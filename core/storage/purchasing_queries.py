"""What the API and CLI show of suppliers and purchase orders: plain dicts."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.errors import NotFound
from core.storage import tables
from core.storage.engine import one_statement
from core.storage.queries import _history, _row, plain_rows

_po = tables.purchase_orders.c
_po_lines = tables.purchase_order_lines.c
_orders = tables.orders.c
_suppliers = tables.suppliers.c
SUPPLIER_HIDDEN = ("service_secret",)
PO_STATES = (
    "draft",
    "sent",
    "confirmed",
    "rejected",
    "partially_shipped",
    "shipped",
    "cancelled",
)


def list_suppliers(engine: Engine, *, include_archived: bool = False) -> list[dict[str, Any]]:
    query = select(tables.suppliers).order_by(_suppliers.code)
    if not include_archived:
        query = query.where(_suppliers.archived.is_(False))
    with one_statement(engine) as connection:
        return [_supplier(row) for row in connection.execute(query)]


def supplier_detail(engine: Engine, code: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            select(tables.suppliers).where(_suppliers.code == code)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no supplier {code}")
        detail = _supplier(row)
        detail["history"] = _history(connection, "supplier", row.id)
    return detail


def _supplier(row) -> dict[str, Any]:
    values = _row(row, drop=SUPPLIER_HIDDEN)
    values["has_service_secret"] = row.service_secret is not None
    return values


def list_purchase_orders(
    engine: Engine,
    *,
    state: str | None = None,
    supplier: str | None = None,
    order: str | None = None,
    dropship: bool | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first, each with its fulfilment: quantities ordered and shipped, total."""
    open_line = _po_lines.status == "open"
    summary = (
        select(
            _po_lines.purchase_order_id,
            func.count().label("lines"),
            func.sum(_po_lines.quantity).label("quantity"),
            func.sum(_po_lines.shipped_quantity).label("shipped_quantity"),
            func.sum(_po_lines.quantity * _po_lines.unit_cost).label("total"),
        )
        .where(open_line)
        .group_by(_po_lines.purchase_order_id)
        .subquery()
    )
    query = (
        select(
            _po.number,
            _po.state,
            _po.supplier_code,
            _orders.number.label("order_number"),
            _po.channel,
            _po.dropship,
            _po.currency,
            _po.sent_at,
            _po.confirmed_at,
            _po.created_at,
            func.coalesce(summary.c.lines, 0).label("lines"),
            summary.c.quantity,
            summary.c.shipped_quantity,
            summary.c.total,
        )
        .join(tables.orders, _orders.id == _po.order_id)
        .outerjoin(summary, summary.c.purchase_order_id == _po.id)
        .order_by(_po.id.desc())
        .limit(limit)
    )
    if state:
        query = query.where(_po.state == state)
    if supplier:
        query = query.where(_po.supplier_code == supplier)
    if order:
        query = query.where(_orders.number == order)
    if dropship is not None:
        query = query.where(_po.dropship.is_not(None) if dropship else _po.dropship.is_(None))
    if after:
        query = query.where(_po.id < select(_po.id).where(_po.number == after).scalar_subquery())
    with one_statement(engine) as connection:
        return [_fulfilment(row) for row in plain_rows(connection.execute(query))]


def _fulfilment(values: dict[str, Any]) -> dict[str, Any]:
    ordered = Decimal(values["quantity"] or 0)
    shipped = Decimal(values["shipped_quantity"] or 0)
    values["quantity"] = format(ordered, "f")
    values["shipped_quantity"] = format(shipped, "f")
    values["total"] = format(Decimal(values["total"] or 0), "f")
    values["shipped_percent"] = int(shipped * 100 / ordered) if ordered else 0
    return values


def purchase_order_detail(engine: Engine, number: str) -> dict[str, Any]:
    """One PO with its lines, comments, shipments, the document sent and history."""
    with engine.connect() as connection:
        row = connection.execute(
            select(tables.purchase_orders, _orders.number.label("order_number"))
            .join(tables.orders, _orders.id == _po.order_id)
            .where(_po.number == number)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no purchase order {number}")
        detail = _row(row, drop=("pdf", "order_id", "outbound_document_id"))
        detail["has_pdf"] = row.pdf is not None
        lines = connection.execute(
            select(tables.purchase_order_lines)
            .where(_po_lines.purchase_order_id == row.id)
            .order_by(_po_lines.line_number)
        )
        detail["lines"] = [_po_line(line) for line in lines]
        detail["total"] = format(
            sum(
                (Decimal(li["amount"]) for li in detail["lines"] if li["status"] == "open"),
                Decimal(0),
            ),
            "f",
        )
        detail["comments"] = plain_rows(
            connection.execute(
                select(
                    tables.purchase_order_comments.c.id,
                    tables.purchase_order_comments.c.author,
                    tables.purchase_order_comments.c.text,
                    tables.purchase_order_comments.c.sent_to_supplier,
                    tables.purchase_order_comments.c.created_at,
                )
                .where(tables.purchase_order_comments.c.purchase_order_id == row.id)
                .order_by(tables.purchase_order_comments.c.id)
            )
        )
        detail["shipments"] = _shipments(connection, row.id)
        detail["sent_document"] = _sent_document(connection, row.outbound_document_id)
        detail["history"] = _history(connection, "purchase_order", row.id)
    return detail


def _po_line(line) -> dict[str, Any]:
    values = _row(line, drop=("purchase_order_id",))
    values["amount"] = format(line.quantity * line.unit_cost, "f")
    return values


def _shipments(connection, purchase_order_id: int) -> list[dict[str, Any]]:
    shipments = tables.shipments.c
    return plain_rows(
        connection.execute(
            select(
                shipments.number,
                shipments.supplier_shipment_id,
                shipments.carrier,
                shipments.tracking_number,
                shipments.shipped_at,
            )
            .where(shipments.purchase_order_id == purchase_order_id)
            .order_by(shipments.id)
        )
    )


def _sent_document(connection, document_id: int | None) -> dict[str, Any] | None:
    if document_id is None:
        return None
    outbound = tables.outbound_documents.c
    row = connection.execute(
        select(
            outbound.id,
            outbound.state,
            outbound.attempts,
            outbound.sent_at,
            outbound.response_code,
            outbound.response_text,
            outbound.error,
        ).where(outbound.id == document_id)
    ).one()
    return _row(row)


def purchase_order_pdf(engine: Engine, number: str) -> bytes:
    with engine.connect() as connection:
        pdf = connection.execute(select(_po.pdf).where(_po.number == number)).one_or_none()
    if pdf is None or pdf.pdf is None:
        raise NotFound(f"purchase order {number} has no PDF (only POs sent by email keep one)")
    return pdf.pdf


def cached_availability(
    engine: Engine, supplier_code: str, parts: Iterable[str]
) -> dict[str, dict[str, Any]]:
    table = tables.supplier_availability.c
    query = select(
        table.supplier_part_id, table.answer, table.fetched_at, table.failed_at, table.error
    ).where(table.supplier_code == supplier_code, table.supplier_part_id.in_(list(parts)))
    with one_statement(engine) as connection:
        return {row.supplier_part_id: row._asdict() for row in connection.execute(query)}


def supplier_service(engine: Engine, code: str) -> dict[str, Any] | None:
    """How to reach a supplier's P&A system (its secret still sealed); None when
    the supplier has none."""
    query = select(
        _suppliers.code,
        _suppliers.service_kind,
        _suppliers.service_url,
        _suppliers.service_settings,
        _suppliers.service_secret,
        _suppliers.timeout_seconds,
        _suppliers.cache_minutes,
    ).where(_suppliers.code == code)
    with one_statement(engine) as connection:
        row = connection.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"no supplier {code}")
    return row._asdict() if row.service_kind else None
