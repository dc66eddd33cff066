"""Read-side queries for payments and what invoices are owed: plain dicts for the API
and the CLI.

Every query takes `groups`, the caller's customer-group scope (None: all): payments
and invoices of orders outside it are not listed and not found. An invoice's total,
credit notes and payments are summed by the domain model (SQLite keeps exact
decimals as text), as the payment handlers sum them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.model.invoices import CREDIT, STANDARD, Invoice
from core.model.payments import ZERO, Payment, balance_of, due_date
from core.storage import scope, tables
from core.storage.history import plain_value
from core.storage.orm import map_domain
from core.storage.payments import SqlPaymentRepository

Groups = Collection[int] | None
_payments = tables.payments.c
_events = tables.payment_events.c
_invoices = tables.invoices.c
_orders = tables.orders.c
_customers = tables.customers.c
_history = tables.history.c
LIST_COLUMNS = (
    _payments.number,
    _invoices.number.label("invoice_number"),
    _orders.number.label("order_number"),
    _customers.code.label("customer"),
    _payments.gateway,
    _payments.method,
    _payments.action,
    _payments.amount,
    _payments.currency,
    _payments.state,
    _payments.captured_amount,
    _payments.refunded_amount,
    _payments.card_brand,
    _payments.card_last4,
    _payments.transaction_id,
    _payments.created_at,
    _payments.updated_at,
)
DETAIL_DROPS = ("id", "invoice_id", "order_id")
MAX_PAYMENTS = 1000  # of one invoice, listed with it


def list_payments(
    engine: Engine,
    *,
    groups: Groups = None,
    state: str | None = None,
    gateway: str | None = None,
    invoice: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first; `since`/`until` bound when they were recorded; `after` (a
    payment number) continues past that payment."""
    query = _joined(select(*LIST_COLUMNS)).where(scope.order_condition(groups))
    for column, value in ((_payments.state, state), (_payments.gateway, gateway)):
        if value:
            query = query.where(column == value)
    if invoice:
        query = query.where(_invoices.number == invoice)
    if since is not None:
        query = query.where(_payments.created_at >= since)
    if until is not None:
        query = query.where(_payments.created_at < until)
    if after:
        last = select(_payments.id).where(_payments.number == after).scalar_subquery()
        query = query.where(_payments.id < last)
    query = query.order_by(_payments.id.desc()).limit(limit)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query)]


def payment_detail(engine: Engine, number: str, *, groups: Groups = None) -> dict[str, Any]:
    """A payment with its invoice, order and customer, every event (request, answer,
    failure, with the gateway's raw answer) and its history."""
    query = _joined(
        select(
            tables.payments,
            _invoices.number.label("invoice_number"),
            _orders.number.label("order_number"),
            _customers.code.label("customer"),
        )
    ).where(_payments.number == number, scope.order_condition(groups))
    with engine.connect() as connection:
        payment = connection.execute(query).one_or_none()
        if payment is None:
            raise NotFound(f"no payment {number}")
        detail = _row(payment, drop=DETAIL_DROPS)
        events = connection.execute(
            select(tables.payment_events)
            .where(_events.payment_id == payment.id)
            .order_by(_events.id)
        )
        detail["events"] = [_row(event, drop=("payment_id",)) for event in events]
        history = connection.execute(
            select(tables.history)
            .where(_history.doc_type == "payment", _history.doc_id == payment.id)
            .order_by(_history.id)
        )
        detail["history"] = [_row(entry, drop=("doc_type", "doc_id")) for entry in history]
    return detail


def invoice_payments(engine: Engine, number: str, *, groups: Groups = None) -> dict[str, Any]:
    """What an invoice is owed: total, credited, paid, still due and still open to
    take, its due date, and its payments oldest first."""
    map_domain()
    with Session(engine) as session:
        repository = SqlPaymentRepository(session)
        invoice = repository.invoice(number)
        order_ok = invoice is not None and _order_in_scope(session, invoice.order_id, groups)
        if not order_ok or invoice.purpose != STANDARD:
            raise NotFound(f"no invoice {number}")
        credited = sum((note.total for note in repository.credit_notes(invoice.id)), ZERO)
        payments = repository.for_invoice(invoice.id)
        owed = _owed(invoice, invoice.order.payment, credited, payments, _today())
    listed = list_payments(engine, groups=groups, invoice=number, limit=MAX_PAYMENTS)
    return {**_plain(owed), "payments": list(reversed(listed))}


def overdue_invoices(
    engine: Engine, *, groups: Groups = None, as_of: date | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Invoices with something still due after their due date (net terms), the
    longest overdue first; `as_of` a day (default today, UTC)."""
    as_of = as_of or _today()
    ends = datetime.combine(as_of, time(), UTC)
    due_column = _invoices.get("due_date")
    terms = [_invoices.net_days.isnot(None)]
    if due_column is not None:
        terms.append(due_column.isnot(None))
    candidates = (
        select(
            _invoices.id,
            _orders.number.label("order_number"),
            _orders.payment,
            _customers.code.label("customer"),
            _customers.name.label("customer_name"),
        )
        .join(tables.orders, _orders.id == _invoices.order_id)
        .outerjoin(tables.customers, _customers.id == _orders.customer_id)
        .where(
            _invoices.purpose == STANDARD,
            _invoices.archived.is_(False),
            _invoices.state != "draft",
            _invoices.invoice_date < ends,
            or_(*terms),
            scope.order_condition(groups),
        )
    )
    map_domain()
    with Session(engine) as session:
        rows = {row.id: row for row in session.execute(candidates)}
        owed = _owed_many(session, rows, as_of)
    owed = [item for item in owed if item["overdue_days"] > 0 and item["due"] > 0]
    owed.sort(key=lambda item: (item["due_date"], item["number"]))
    return [_plain(item) for item in owed[:limit]]


def _owed_many(session: Session, rows: dict, as_of: date) -> list[dict[str, Any]]:
    if not rows:
        return []
    ids = list(rows)
    invoices = session.scalars(select(Invoice).where(Invoice.id.in_(ids))).all()
    payments: dict[int, list[Payment]] = defaultdict(list)
    for payment in session.scalars(select(Payment).where(Payment.invoice_id.in_(ids))):
        payments[payment.invoice_id].append(payment)
    credited: dict[int, Decimal] = defaultdict(lambda: ZERO)
    notes = select(Invoice).where(
        Invoice.credits_invoice_id.in_(ids), Invoice.purpose == CREDIT, Invoice.archived.is_(False)
    )
    for note in session.scalars(notes):
        credited[note.credits_invoice_id] += note.total
    owed = []
    for invoice in invoices:
        row = rows[invoice.id]
        item = _owed(invoice, row.payment, credited[invoice.id], payments[invoice.id], as_of)
        if item["due_date"] is None:
            continue
        owed.append(
            {
                **item,
                "order_number": row.order_number,
                "customer": row.customer,
                "customer_name": row.customer_name,
            }
        )
    return owed


def _owed(invoice: Invoice, order_payment, credited, payments, as_of: date) -> dict[str, Any]:
    """An invoice's money as the model sums it, with its due date: the invoice's own
    when it keeps one, else its net days after the invoice date."""
    balance = balance_of(invoice.total - credited, payments)
    due_on = getattr(invoice, "due_date", None) or due_date(
        invoice.invoice_date, order_payment, invoice.net_days
    )
    overdue = (as_of - due_on).days if due_on is not None else 0
    return {
        "number": invoice.number,
        "invoice_date": invoice.invoice_date,
        "currency": invoice.currency,
        "total": invoice.total,
        "credited": credited,
        "paid": balance.paid,
        "due": balance.due,
        "open": balance.open,
        "due_date": due_on,
        "overdue_days": max(overdue, 0) if balance.due > 0 else 0,
    }


def _order_in_scope(session: Session, order_id: int, groups: Groups) -> bool:
    if groups is None:
        return True
    query = select(_orders.id).where(_orders.id == order_id, scope.order_condition(groups))
    return session.execute(query).first() is not None


def _joined(query):
    return (
        query.select_from(tables.payments)
        .join(tables.invoices, _invoices.id == _payments.invoice_id)
        .join(tables.orders, _orders.id == _payments.order_id)
        .outerjoin(tables.customers, _customers.id == _orders.customer_id)
    )


def _today() -> date:
    return datetime.now(UTC).date()


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {key: plain_value(value) for key, value in values.items()}


def _row(row, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in row._mapping.items() if k not in drop}
