"""Read-side queries for the CLI, the API and the admin web."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from core.errors import NotFound
from core.storage import tables
from core.storage.history import plain_value

_orders = tables.orders.c
_lines = tables.order_lines.c


def list_orders(engine: Engine, *, status: str | None = None, limit: int = 100) -> list[dict]:
    query = (
        select(
            _orders.number,
            _orders.status,
            _orders.channel,
            _orders.partner,
            _orders.external_order_id,
            _orders.order_date,
            _orders.currency,
            _orders.total_amount,
            _orders.needs_attention,
            _orders.created_at,
        )
        .order_by(_orders.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(_orders.status == status)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query)]


def order_detail(engine: Engine, number: str) -> dict[str, Any]:
    with engine.connect() as connection:
        order = connection.execute(
            select(tables.orders).where(_orders.number == number)
        ).one_or_none()
        if order is None:
            raise NotFound(f"no order {number}")
        lines = connection.execute(
            select(tables.order_lines)
            .where(_lines.order_id == order.id)
            .order_by(_lines.line_number)
        )
        history = connection.execute(
            select(tables.history)
            .where(
                tables.history.c.doc_type == "order",
                tables.history.c.doc_id == order.id,
            )
            .order_by(tables.history.c.id)
        )
        detail = _row(order)
        detail["lines"] = [_row(line, drop=("order_id",)) for line in lines]
        detail["history"] = [_row(entry, drop=("doc_type", "doc_id")) for entry in history]
    return detail


def _row(row, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in row._mapping.items() if k not in drop}


_partners = tables.partners.c
PARTNER_SECRETS = ("secret_hash", "secret_salt", "outbound_secret")


def list_partners(engine: Engine, *, channel: str | None = None) -> list[dict]:
    query = select(tables.partners).order_by(_partners.code)
    if channel:
        query = query.where(_partners.channel == channel)
    with engine.connect() as connection:
        return [_partner(row) for row in connection.execute(query)]


def partner_detail(engine: Engine, code: str) -> dict[str, Any]:
    with engine.connect() as connection:
        partner = connection.execute(
            select(tables.partners).where(_partners.code == code)
        ).one_or_none()
        if partner is None:
            raise NotFound(f"no partner {code}")
        history = connection.execute(
            select(tables.history)
            .where(
                tables.history.c.doc_type == "partner",
                tables.history.c.doc_id == partner.id,
            )
            .order_by(tables.history.c.id)
        )
        detail = _partner(partner)
        detail["history"] = [_row(entry, drop=("doc_type", "doc_id")) for entry in history]
    return detail


def _partner(row) -> dict[str, Any]:
    """A partner as staff may see it: whether secrets are set, never the secrets."""
    values = _row(row, drop=PARTNER_SECRETS)
    values["shared_secret_set"] = row.secret_hash is not None
    values["outbound_secret_set"] = row.outbound_secret is not None
    return values
