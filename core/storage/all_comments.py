"""One view of every comment (M-74): on orders (from customers and staff) and on
purchase orders (visibility "internal" or "supplier": also sent to the supplier),
newest first, with the document each belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, literal, or_, select, union_all
from sqlalchemy.engine import Engine

from core.storage import scope, tables
from core.storage.engine import one_statement
from core.storage.queries import plain_rows
from core.storage.scope import Groups

_comments = tables.order_comments.c
_orders = tables.orders.c
_po_comments = tables.purchase_order_comments.c
_pos = tables.purchase_orders.c
KINDS = ("order", "purchase_order")


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
            _comments.id,
            _comments.author_kind,
            _comments.author,
            _comments.visibility,
            _comments.body,
            _comments.created_at,
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
        literal("staff").label("author_kind"),
        _po_comments.author,
        case((_po_comments.sent_to_supplier, "supplier"), else_="internal").label("visibility"),
        _po_comments.text.label("body"),
        _po_comments.created_at,
    ).join(tables.purchase_orders, _pos.id == _po_comments.purchase_order_id)
