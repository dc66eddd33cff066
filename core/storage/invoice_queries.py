"""Read-side queries for invoices and credit notes (M-70, M-72): lists with filters,
one invoice with its credit notes and attachment, and the invoicing rules.

Every query takes `groups`, the caller's customer-group scope (None: all); the
invoices of orders outside it are not listed and not found.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine

from core.errors import NotFound
from core.model.invoices import CREDIT, STANDARD, STATES
from core.storage import queries, scope, tables
from core.storage.attachments import ABOUT
from core.storage.history import plain_value

Groups = Collection[int] | None
ZERO = Decimal(0)
_invoices = tables.invoices.c
_lines = tables.invoice_lines.c
_orders = tables.orders.c
_customers = tables.customers.c
_groups = tables.customer_groups.c
_rules = tables.invoicing_rules.c
FILTERS = ("state", "purpose", "customer", "series", "order", "since", "until", "text")
PURPOSES = (STANDARD, CREDIT)
TEXT_COLUMNS = (
    _invoices.number,
    _orders.number,
    _orders.external_order_id,
    _orders.buyer_organisation,
    _customers.code,
    _customers.name,
)


def invoice_filters(values: Mapping[str, str | None]) -> dict[str, Any]:
    """The list filters from text (a query string, command-line options); blank
    values are left out. `since` and `until` bound the invoice date (a bare
    YYYY-MM-DD `until` includes that day)."""
    given = {name: (values.get(name) or "").strip() for name in FILTERS}
    filters: dict[str, Any] = {name: value for name, value in given.items() if value}
    if filters.get("state") and filters["state"] not in STATES:
        raise queries.BadFilter(f"state must be one of {', '.join(STATES)}")
    if filters.get("purpose") and filters["purpose"] not in PURPOSES:
        raise queries.BadFilter(f"purpose must be one of {', '.join(PURPOSES)}")
    for name in ("since", "until"):
        if name in filters:
            filters[name] = queries.time_bound(name, filters[name], end_of_day=name == "until")
    return filters


def list_invoices(
    engine: Engine,
    *,
    groups: Groups = None,
    after: str | None = None,
    limit: int = 100,
    **filters: Any,
) -> list[dict[str, Any]]:
    """Invoices and credit notes, newest first; `after` (a number) continues past
    that invoice, by key. Filters as `invoice_filters` makes them."""
    credited = tables.invoices.alias("credited")
    query = (
        select(
            _invoices.id,
            _invoices.number,
            _invoices.series,
            _invoices.purpose,
            _invoices.state,
            _invoices.origin,
            _orders.number.label("order_number"),
            _customers.code.label("customer"),
            _customers.name.label("customer_name"),
            credited.c.number.label("credits"),
            _invoices.invoice_date,
            _invoices.due_date,
            _invoices.sent_at,
            _invoices.currency,
            _invoices.shipping_amount,
            _invoices.tax_amount,
            _invoices.discount_amount,
            (_invoices.attachment_id.is_not(None)).label("has_attachment"),
        )
        .join(tables.orders, _orders.id == _invoices.order_id)
        .outerjoin(tables.customers, _customers.id == _orders.customer_id)
        .outerjoin(credited, credited.c.id == _invoices.credits_invoice_id)
        .where(scope.order_condition(groups), *_conditions(**filters))
        .order_by(_invoices.id.desc())
        .limit(limit)
    )
    if after:
        last = select(_invoices.id).where(_invoices.number == after).scalar_subquery()
        query = query.where(_invoices.id < last)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        subtotals = _subtotals(connection, [row.id for row in rows])
    return [_with_totals(row, subtotals.get(row.id, ZERO)) for row in rows]


def _conditions(
    state=None, purpose=None, customer=None, series=None, order=None, since=None, until=None,
    text=None,
) -> list:  # fmt: skip
    conditions = []
    for column, value in (
        (_invoices.state, state),
        (_invoices.purpose, purpose),
        (_customers.code, customer),
        (_invoices.series, series),
        (_orders.number, order),
    ):
        if value:
            conditions.append(column == value)
    if since is not None:
        conditions.append(_invoices.invoice_date >= since.astimezone(UTC))
    if until is not None:
        conditions.append(_invoices.invoice_date < until.astimezone(UTC))
    if text:
        conditions.append(or_(*(c.icontains(text, autoescape=True) for c in TEXT_COLUMNS)))
    return conditions


def invoice_detail(engine: Engine, number: str, groups: Groups = None) -> dict[str, Any]:
    """One invoice or credit note with its lines and history (as queries has it),
    its customer, the credit notes against it or the invoice it credits, what of
    each line is left to credit, and its attachment (what it is, not its bytes)."""
    detail = queries.invoice_detail(engine, number, groups)
    with engine.connect() as connection:
        row = connection.execute(
            select(
                _invoices.id,
                _invoices.credits_invoice_id,
                _invoices.attachment_id,
                _customers.code,
                _customers.name,
            )
            .join(tables.orders, _orders.id == _invoices.order_id)
            .outerjoin(tables.customers, _customers.id == _orders.customer_id)
            .where(_invoices.number == number)
        ).one()
        detail["customer"] = {"code": row.code, "name": row.name} if row.code else None
        detail["credit_notes"] = _credit_notes(connection, row.id)
        detail["credits"] = _number_of(connection, row.credits_invoice_id)
        detail["attachment"] = _attachment(connection, row.attachment_id)
        _left_to_credit(connection, detail, row.id)
    detail.pop("attachment_id", None)
    detail.pop("credits_invoice_id", None)
    return detail


def _credit_notes(connection, invoice_id: int) -> list[dict[str, Any]]:
    notes = connection.execute(
        select(
            _invoices.id,
            _invoices.number,
            _invoices.state,
            _invoices.invoice_date,
            _invoices.currency,
            _invoices.shipping_amount,
            _invoices.tax_amount,
            _invoices.discount_amount,
            _invoices.comments,
        )
        .where(_invoices.credits_invoice_id == invoice_id)
        .order_by(_invoices.id)
    ).all()
    subtotals = _subtotals(connection, [note.id for note in notes])
    return [_with_totals(note, subtotals.get(note.id, ZERO)) for note in notes]


def _left_to_credit(connection, detail: dict[str, Any], invoice_id: int) -> None:
    if detail["purpose"] != STANDARD:
        return
    notes = select(_invoices.id).where(_invoices.credits_invoice_id == invoice_id)
    credited: dict[int, Decimal] = {}
    for line_number, quantity in connection.execute(
        select(_lines.line_number, _lines.quantity).where(_lines.invoice_id.in_(notes))
    ):
        credited[line_number] = credited.get(line_number, ZERO) + quantity
    for line in detail["lines"]:
        left = Decimal(line["quantity"]) - credited.get(line["line_number"], ZERO)
        line["left_to_credit"] = plain_value(max(left, ZERO))


def _number_of(connection, invoice_id: int | None) -> str | None:
    if invoice_id is None:
        return None
    return connection.execute(select(_invoices.number).where(_invoices.id == invoice_id)).scalar()


def _attachment(connection, attachment_id: int | None) -> dict[str, Any] | None:
    if attachment_id is None:
        return None
    row = connection.execute(select(*ABOUT).where(tables.attachments.c.id == attachment_id)).one()
    return {name: plain_value(value) for name, value in row._mapping.items()}


def _subtotals(connection, invoice_ids: list[int]) -> dict[int, Decimal]:
    """Each invoice's lines summed here: SQLite keeps exact decimals as text."""
    subtotals: dict[int, Decimal] = {}
    if not invoice_ids:
        return subtotals
    rows = connection.execute(
        select(_lines.invoice_id, _lines.quantity, _lines.unit_price).where(
            _lines.invoice_id.in_(invoice_ids)
        )
    )
    for invoice_id, quantity, unit_price in rows:
        subtotals[invoice_id] = subtotals.get(invoice_id, ZERO) + quantity * unit_price
    return subtotals


def _with_totals(row, subtotal: Decimal) -> dict[str, Any]:
    values = {name: plain_value(value) for name, value in row._mapping.items() if name != "id"}
    total = subtotal + row.shipping_amount + row.tax_amount - row.discount_amount
    values["subtotal"] = plain_value(subtotal)
    values["total"] = plain_value(total)
    return values


def list_rules(engine: Engine) -> list[dict[str, Any]]:
    """The invoicing rules: of customers, then of groups, by code."""
    query = (
        select(
            _customers.code.label("customer"),
            _groups.code.label("group"),
            _rules.rule,
            _rules.series,
            _rules.updated_at,
        )
        .outerjoin(tables.customers, _customers.id == _rules.customer_id)
        .outerjoin(tables.customer_groups, _groups.id == _rules.group_id)
        .where(_rules.archived.is_(False))
        .order_by(_rules.customer_id.is_(None), _customers.code, _groups.code)
    )
    with engine.connect() as connection:
        return queries.plain_rows(connection.execute(query))


def counter_values(engine: Engine) -> dict[str, int]:
    """The last number each invoice series gave (a series never used is absent)."""
    counters = tables.counters.c
    query = select(counters.name, counters.value).where(counters.name.like("invoice:%"))
    with engine.connect() as connection:
        return {name.partition(":")[2]: value for name, value in connection.execute(query)}


def invoice_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(tables.invoices)) or 0


def check_invoice_in_scope(engine: Engine, number: str, groups: Groups) -> None:
    """NotFound unless the invoice exists within `groups`: one light query."""
    query = (
        select(_invoices.id)
        .join(tables.orders, _orders.id == _invoices.order_id)
        .where(_invoices.number == number, scope.order_condition(groups))
    )
    with engine.connect() as connection:
        if connection.execute(query).first() is None:
            raise NotFound(f"no invoice {number}")


def check_customers_in_scope(engine: Engine, codes: Collection[str], groups: Groups) -> None:
    query = select(_customers.code).where(
        _customers.code.in_(list(codes)), scope.customer_condition(groups)
    )
    with engine.connect() as connection:
        seen = set(connection.execute(query).scalars())
    missing = [code for code in codes if code not in seen]
    if missing:
        raise NotFound(f"no customer {', '.join(missing)}")
