"""What the order view shows around an order (M-41): its customer with contacts, the
document it came from, the quote version it was made from, and its shipments,
invoices, the documents sent to the buyer about it and the purchase-order lines
that fulfil it (with their dropship marks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.storage import tables
from core.storage.history import plain_value

_customers = tables.customers.c
_contacts = tables.customer_contacts.c
_groups = tables.customer_groups.c
_shipments = tables.shipments.c
_invoices = tables.invoices.c
_outbound = tables.outbound_documents.c
_inbound = tables.inbound_documents.c
_quotes = tables.quotes.c
_versions = tables.quote_versions.c
_pos = tables.purchase_orders.c
_po_lines = tables.purchase_order_lines.c


def around(connection: Connection, order) -> dict[str, Any]:
    shipments = _rows(
        connection,
        select(
            _shipments.number,
            _shipments.carrier,
            _shipments.service,
            _shipments.tracking_number,
            _shipments.shipped_at,
            _shipments.delivery_date,
        )
        .where(_shipments.order_id == order.id)
        .order_by(_shipments.id),
    )
    invoices = _rows(
        connection,
        select(_invoices.number, _invoices.purpose, _invoices.state, _invoices.invoice_date)
        .where(_invoices.order_id == order.id)
        .order_by(_invoices.id),
    )
    references = [order.number, *(s["number"] for s in shipments), *(i["number"] for i in invoices)]
    sent = _rows(
        connection,
        select(
            _outbound.id,
            _outbound.kind,
            _outbound.reference,
            _outbound.channel,
            _outbound.state,
            _outbound.created_at,
            _outbound.sent_at,
        )
        .where(_outbound.reference.in_(references), _outbound.partner == order.partner)
        .order_by(_outbound.id),
    )
    return {
        "customer": _customer(connection, order.customer_id),
        "source_document": _source(connection, order.inbound_document_id),
        "quote": _quote(connection, order.quote_version_id),
        "shipments": shipments,
        "invoices": invoices,
        "sent_documents": sent,
        "purchasing": purchase_lines_of_order(connection, order.id),
    }


def purchase_lines_of_order(connection, order_id: int) -> list[dict[str, Any]]:
    """Each PO line of a sales order, with its PO's supplier, state and dropship mark."""
    query = (
        select(
            _pos.number.label("po_number"),
            _pos.supplier_code,
            _pos.state,
            _pos.dropship,
            _po_lines.sales_line_number,
            _po_lines.supplier_part_id,
            _po_lines.quantity,
            _po_lines.shipped_quantity,
            _po_lines.unit_cost,
            _po_lines.cost_source,
        )
        .join(tables.purchase_order_lines, _po_lines.purchase_order_id == _pos.id)
        .where(_pos.order_id == order_id, _po_lines.status == "open", _pos.state != "cancelled")
        .order_by(_pos.id, _po_lines.line_number)
    )
    return _rows(connection, query)


def _customer(connection: Connection, customer_id: int | None) -> dict[str, Any] | None:
    if customer_id is None:
        return None
    row = connection.execute(
        select(
            _customers.code,
            _customers.name,
            _customers.status,
            _customers.email,
            _customers.phone,
            _customers.net_terms_days,
            _customers.credit_limit,
            _customers.tax_exempt,
            _groups.code.label("group"),
        )
        .outerjoin(tables.customer_groups, _groups.id == _customers.group_id)
        .where(_customers.id == customer_id)
    ).one()
    customer = {name: plain_value(value) for name, value in row._mapping.items()}
    customer["contacts"] = _rows(
        connection,
        select(
            _contacts.name, _contacts.email, _contacts.phone, _contacts.role, _contacts.is_primary
        )
        .where(_contacts.customer_id == customer_id, _contacts.archived.is_(False))
        .order_by(_contacts.is_primary.desc(), _contacts.id),
    )
    return customer


def _source(connection: Connection, document_id: int | None) -> dict[str, Any] | None:
    if document_id is None:
        return None
    row = connection.execute(
        select(
            _inbound.id,
            _inbound.channel,
            _inbound.content_type,
            _inbound.size,
            _inbound.received_at,
            _inbound.state,
        ).where(_inbound.id == document_id)
    ).one_or_none()
    return None if row is None else {k: plain_value(v) for k, v in row._mapping.items()}


def _quote(connection: Connection, version_id: int | None) -> dict[str, Any] | None:
    if version_id is None:
        return None
    row = connection.execute(
        select(_quotes.number, _versions.version_number.label("version"), _versions.kind)
        .join(tables.quotes, _quotes.id == _versions.quote_id)
        .where(_versions.id == version_id)
    ).one_or_none()
    return None if row is None else dict(row._mapping)


def _rows(connection: Connection, query) -> list[dict[str, Any]]:
    return [
        {name: plain_value(value) for name, value in row._mapping.items()}
        for row in connection.execute(query)
    ]
