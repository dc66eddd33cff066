"""One view of every comment (M-74): on orders (from customers and staff) and on
purchase orders (visibility "internal" or "supplier": also sent to the supplier),
newest first, with the document each belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, literal, or_, select, true, union_all
from sqlalchemy.engine import Engine

from core.storage import comments, scope, tables
from core.storage.engine import one_statement
from core.storage.queries import plain_rows
from core.storage.scope import Groups

_comments = tables.order_comments.c
_orders = tables.orders.c
_po_comments = tables.purchase_order_comments.c
_pos = tables.purchase_orders.c
_doc_comments = tables.document_comments.c
# Comments that came by email on documents without a comment list of their own.
DOCUMENT_KINDS = ("quote", "invoice", "shipment", "rfq", "rma")
KINDS = ("order", "purchase_order", *DOCUMENT_KINDS)


def list_comments(
    engine: Engine,
    *,
    viewer: str,
    groups: Groups = None,
    purchasing: bool = False,
    kind: str | None = None,
    author: str | None = None,
    text: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Comments `viewer` may see: public order comments and their own private ones
    (orders within `groups`), and, for purchasing staff, the comments on POs."""
    parts = []
    if kind in (None, "order"):
        parts.append(_order_comments(viewer, groups))
    if purchasing and kind in (None, "purchase_order"):
        parts.append(_purchase_order_comments())
    for document_kind in DOCUMENT_KINDS:
        if kind in (None, document_kind):
            parts.append(_document_comments(document_kind, groups, viewer))
    if not parts:
        return []
    every = union_all(*parts).subquery()
    query = select(every).order_by(every.c.created_at.desc(), every.c.id.desc()).limit(limit)
    if author:
        query = query.where(every.c.author == author)
    if text:
        query = query.where(every.c.body.ilike(f"%{text}%"))
    if since:
        query = query.where(every.c.created_at >= since)
    if until:
        query = query.where(every.c.created_at < until)
    with one_statement(engine) as connection:
        return plain_rows(connection.execute(query))


def _order_comments(viewer: str, groups: Groups):
    return (
        select(
            literal("order").label("document_kind"),
            _orders.number.label("document_number"),
            *comments.COLUMNS,
        )
        .join(tables.orders, _orders.id == _comments.order_id)
        .where(
            or_(_comments.visibility == "public", _comments.author == viewer),
            scope.order_condition(groups),
        )
    )


def _purchase_order_comments():
    return select(
        literal("purchase_order").label("document_kind"),
        _pos.number.label("document_number"),
        _po_comments.id,
        case((_po_comments.inbound_mail_id.isnot(None), "supplier"), else_="staff").label(
            "author_kind"
        ),
        _po_comments.author,
        case((_po_comments.sent_to_supplier, "supplier"), else_="internal").label("visibility"),
        _po_comments.text.label("body"),
        _po_comments.created_at,
    ).join(tables.purchase_orders, _pos.id == _po_comments.purchase_order_id)


def _document_comments(kind: str, groups: Groups, viewer: str):
    """Comments on one kind of document, within the customer groups seen: public
    ones and the viewer's own private ones (RMAs have private comments)."""
    document = {
        "quote": tables.quotes,
        "invoice": tables.invoices,
        "shipment": tables.shipments,
        "rfq": tables.rfqs,
        "rma": tables.rmas,
    }[kind]
    query = (
        select(
            literal(kind).label("document_kind"),
            document.c.number.label("document_number"),
            _doc_comments.id,
            _doc_comments.author_kind,
            _doc_comments.author,
            _doc_comments.visibility,
            _doc_comments.body,
            _doc_comments.created_at,
        )
        .join(document, document.c.id == _doc_comments.document_id)
        .where(
            _doc_comments.document_kind == kind,
            or_(_doc_comments.visibility == "public", _doc_comments.author == viewer),
        )
    )
    if kind in ("invoice", "shipment", "rma"):
        orders = tables.orders
        query = query.join(orders, orders.c.id == document.c.order_id)
        return query.where(scope.order_condition(groups))
    return query.where(_customer_in(document.c.customer_id, groups))


def _customer_in(column, groups: Groups):
    if groups is None:
        return true()
    customers = tables.customers.c
    return column.in_(select(customers.id).where(customers.group_id.in_(sorted(groups))))
