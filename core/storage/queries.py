"""Read-side queries for the CLI, the API and the admin web."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Numeric, String, cast, func, literal, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from core.errors import NotFound, OrderB2BError
from core.model.orders import STATUSES
from core.storage import order_documents, scope, tables
from core.storage.comments import comments_of
from core.storage.engine import one_statement
from core.storage.history import plain_value

_orders = tables.orders.c
_lines = tables.order_lines.c
# What `text` looks in, case-insensitively.
TEXT_COLUMNS = (
    _orders.number,
    _orders.external_order_id,
    _orders.buyer_organisation,
    _orders.buyer_name,
)
ORDER_FILTERS = ("channel", "partner", "since", "until", "min_total", "max_total", "text")


class BadFilter(OrderB2BError):
    """An order list filter that cannot be used as given."""


def list_orders(
    engine: Engine,
    *,
    status: str | None = None,
    limit: int = 100,
    after: str | None = None,
    channel: str | None = None,
    partner: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_total: Decimal | None = None,
    max_total: Decimal | None = None,
    text: str | None = None,
    groups: Collection[int] | None = None,
) -> list[dict]:
    """Newest first; `after` (an order number) continues a listing past that order,
    by key, so a page costs the same however deep it is. `since` (inclusive) and
    `until` (exclusive) bound when the hub received the order (created_at), not
    the buyer's order date, which documents may leave out. `groups` limits the
    list to the orders of those customer groups' customers (None: every order)."""
    query = (
        select(
            _orders.number,
            _orders.status,
            _orders.channel,
            _orders.partner,
            _orders.external_order_id,
            _orders.order_date,
            _orders.buyer_organisation,
            _orders.currency,
            _orders.total_amount,
            _orders.needs_attention,
            _orders.created_at,
        )
        .where(*_conditions(engine, channel, partner, since, until, min_total, max_total, text))
        .where(scope.order_condition(groups))
        .order_by(_orders.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(_orders.status == status)
    if after:
        last = select(_orders.id).where(_orders.number == after).scalar_subquery()
        query = query.where(_orders.id < last)
    with one_statement(engine) as connection:
        return plain_rows(connection.execute(query))


def order_counts(
    engine: Engine,
    *,
    channel: str | None = None,
    partner: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_total: Decimal | None = None,
    max_total: Decimal | None = None,
    text: str | None = None,
    groups: Collection[int] | None = None,
) -> dict[str, int]:
    """How many orders the same filters as list_orders find, in each status (every
    status named, with 0 where none), in one grouped query."""
    query = (
        select(_orders.status, func.count())
        .where(*_conditions(engine, channel, partner, since, until, min_total, max_total, text))
        .where(scope.order_condition(groups))
        .group_by(_orders.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    with one_statement(engine) as connection:
        counts.update(connection.execute(query).all())
    return counts


def order_filters(values: Mapping[str, str | None]) -> dict[str, Any]:
    """The order list filters from text (a query string, command-line options):
    ISO 8601 dates or times (UTC unless an offset is given; a bare `until` date
    includes that whole day) and decimal totals. Blank values are left out."""
    given = {name: values.get(name) for name in ORDER_FILTERS}
    given = {name: value.strip() for name, value in given.items() if value and value.strip()}
    filters: dict[str, Any] = {
        name: given[name] for name in ("channel", "partner", "text") if name in given
    }
    for name in ("since", "until"):
        if name in given:
            filters[name] = time_bound(name, given[name], end_of_day=name == "until")
    for name in ("min_total", "max_total"):
        if name in given:
            filters[name] = _total_filter(name, given[name])
    return filters


def time_bound(name: str, text: str, *, end_of_day: bool) -> datetime:
    """A `since` or `until` filter value: a bare date is the start of that day, or
    of the next one for an `until` that should include the whole day."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end_of_day else 0)
            return datetime.combine(day, time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadFilter(f"{name}: {text!r} is not a date (YYYY-MM-DD) or ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _total_filter(name: str, text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise BadFilter(f"{name}: {text!r} is not an amount such as 1250.00")
    return amount


def _conditions(
    engine: Engine, channel, partner, since, until, min_total, max_total, text
) -> list[ColumnElement[bool]]:
    conditions = []
    if channel:
        conditions.append(_orders.channel == channel)
    if partner:
        conditions.append(_orders.partner == partner)
    if since is not None:
        conditions.append(_orders.created_at >= since.astimezone(UTC))
    if until is not None:
        conditions.append(_orders.created_at < until.astimezone(UTC))
    if min_total is not None:
        conditions.append(_total(engine) >= _amount_value(engine, min_total))
    if max_total is not None:
        conditions.append(_total(engine) <= _amount_value(engine, max_total))
    if text:
        conditions.append(or_(*(c.icontains(text, autoescape=True) for c in TEXT_COLUMNS)))
    return conditions


def _total(engine: Engine):
    """SQLite keeps exact decimals as text: compared as numbers there, not as text."""
    if engine.dialect.name == "sqlite":
        return cast(_orders.total_amount, Numeric)
    return _orders.total_amount


def _amount_value(engine: Engine, amount: Decimal):
    if engine.dialect.name == "sqlite":
        return cast(literal(format(amount, "f"), String), Numeric)
    return amount


def order_detail(
    engine: Engine,
    number: str,
    groups: Collection[int] | None = None,
    viewer: str | None = None,
) -> dict[str, Any]:
    """One order with its lines, history, the comments `viewer` may see, its customer
    and its documents (core/storage/order_documents.py); outside `groups` it is not
    found, as if it did not exist."""
    with engine.connect() as connection:
        order = connection.execute(
            select(tables.orders).where(_orders.number == number, scope.order_condition(groups))
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
        detail["comments"] = _order_comments(connection, order.id, viewer)
        detail.update(order_documents.around(connection, order))
        _mark_dropship(detail)
    return detail


def _mark_dropship(detail: dict[str, Any]) -> None:
    """Each line says whether (and how) it is drop-shipped: by the supplier, or by
    the manufacturer through the supplier."""
    modes = {p["sales_line_number"]: p["dropship"] for p in detail["purchasing"] if p["dropship"]}
    for line in detail["lines"]:
        line["dropship"] = modes.get(line["line_number"])


def _order_comments(connection, order_id: int, viewer: str | None) -> list[dict[str, Any]]:
    """Public comments and the viewer's own private ones, newest last."""
    return comments_of(connection, order_id, viewer=viewer)


def plain_rows(result) -> list[dict[str, Any]]:
    """Every row of a result as a dict of plain values (a page of a list: the column
    names are read once, not per row)."""
    names = tuple(result.keys())
    return [dict(zip(names, map(plain_value, row), strict=True)) for row in result]


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


_shipments = tables.shipments.c
_shipment_lines = tables.shipment_lines.c
_invoices = tables.invoices.c
_invoice_lines = tables.invoice_lines.c
ZERO = Decimal(0)


def list_shipments(
    engine: Engine,
    *,
    order_number: str | None = None,
    limit: int = 100,
    groups: Collection[int] | None = None,
) -> list[dict]:
    """Newest first; only those of orders within `groups` (see core/storage/scope.py)."""
    query = (
        select(
            _shipments.number,
            _orders.number.label("order_number"),
            _shipments.carrier,
            _shipments.carrier_code,
            _shipments.service,
            _shipments.tracking_number,
            _shipments.shipped_at,
            _shipments.delivery_date,
            _shipments.packages,
        )
        .join(tables.orders, _orders.id == _shipments.order_id)
        .where(scope.order_condition(groups))
        .order_by(_shipments.id.desc())
        .limit(limit)
    )
    if order_number:
        query = query.where(_orders.number == order_number)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query)]


def shipment_detail(
    engine: Engine, number: str, groups: Collection[int] | None = None
) -> dict[str, Any]:
    """One shipment; outside `groups` it is not found, as if it did not exist."""
    with engine.connect() as connection:
        shipment = connection.execute(
            select(tables.shipments, _orders.number.label("order_number"))
            .join(tables.orders, _orders.id == _shipments.order_id)
            .where(_shipments.number == number, scope.order_condition(groups))
        ).one_or_none()
        if shipment is None:
            raise NotFound(f"no shipment {number}")
        lines = connection.execute(
            select(
                _shipment_lines.id,
                _shipment_lines.line_number,
                _shipment_lines.quantity,
                _lines.unit_of_measure,
                _lines.supplier_part_id,
                _lines.buyer_part_id,
                _lines.description,
            )
            .join(tables.order_lines, _lines.id == _shipment_lines.order_line_id)
            .where(_shipment_lines.shipment_id == shipment.id)
            .order_by(_shipment_lines.line_number)
        )
        detail = _row(shipment, drop=("order_id",))
        detail["lines"] = [_row(line) for line in lines]
        detail["history"] = _history(connection, "shipment", shipment.id)
    return detail


def invoice_detail(
    engine: Engine, number: str, groups: Collection[int] | None = None
) -> dict[str, Any]:
    """One invoice; outside `groups` it is not found, as if it did not exist."""
    with engine.connect() as connection:
        invoice = connection.execute(
            select(tables.invoices, _orders.number.label("order_number"))
            .join(tables.orders, _orders.id == _invoices.order_id)
            .where(_invoices.number == number, scope.order_condition(groups))
        ).one_or_none()
        if invoice is None:
            raise NotFound(f"no invoice {number}")
        lines = connection.execute(
            select(tables.invoice_lines)
            .where(_invoice_lines.invoice_id == invoice.id)
            .order_by(_invoice_lines.line_number)
        ).all()
        detail = _row(invoice, drop=("order_id",))
        detail["lines"] = [
            {**_row(line, drop=("invoice_id",)), "amount": plain_value(_amount(line))}
            for line in lines
        ]
        detail["history"] = _history(connection, "invoice", invoice.id)
    return _with_totals(detail, sum((_amount(line) for line in lines), ZERO))


def _amount(line) -> Decimal:
    return line.quantity * line.unit_price


def _invoice_subtotals(connection, invoice_ids: list[int]) -> dict[int, Decimal]:
    """Each invoice's lines summed here: SQLite keeps exact decimals as text."""
    subtotals: dict[int, Decimal] = {}
    if not invoice_ids:
        return subtotals
    lines = connection.execute(
        select(_invoice_lines.invoice_id, _invoice_lines.quantity, _invoice_lines.unit_price).where(
            _invoice_lines.invoice_id.in_(invoice_ids)
        )
    )
    for line in lines:
        subtotals[line.invoice_id] = subtotals.get(line.invoice_id, ZERO) + _amount(line)
    return subtotals


def _with_totals(values: dict[str, Any], subtotal: Decimal) -> dict[str, Any]:
    charges = (Decimal(values[name]) for name in ("shipping_amount", "tax_amount"))
    total = subtotal + sum(charges, ZERO) - Decimal(values["discount_amount"])
    values["subtotal"] = plain_value(subtotal)
    values["total"] = plain_value(total)
    return values


def _history(connection, doc_type: str, doc_id: int) -> list[dict[str, Any]]:
    history = connection.execute(
        select(tables.history)
        .where(tables.history.c.doc_type == doc_type, tables.history.c.doc_id == doc_id)
        .order_by(tables.history.c.id)
    )
    return [_row(entry, drop=("doc_type", "doc_id")) for entry in history]
