"""Read-side queries for quotes, RFQs and carts: plain dicts for the API and the CLI.

Every query takes `groups`, the caller's customer-group scope (None: all): quotes,
carts and requests of customers outside it are not listed, not counted and not
found. A request with no customer yet is in scope when the group that takes new
leads is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection, Engine

from core.errors import NotFound
from core.model.quotes import STATUSES, cents
from core.model.rfqs import STATUSES as RFQ_STATUSES
from core.storage import scope, tables
from core.storage.history import plain_value

Groups = frozenset[int] | None
_quotes = tables.quotes.c
_versions = tables.quote_versions.c
_lines = tables.quote_lines.c
_customers = tables.customers.c
_groups = tables.customer_groups.c
_rfqs = tables.rfqs.c
_carts = tables.carts.c
_cart_lines = tables.cart_lines.c
_orders = tables.orders.c
_history = tables.history.c


def list_quotes(
    engine: Engine,
    *,
    groups: Groups = None,
    status: str | None = None,
    customer: str | None = None,
    text: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first; `after` (a quote number) continues past that quote, by key."""
    latest = (
        select(_versions.version_number, _versions.total, _versions.status)
        .where(_versions.quote_id == _quotes.id)
        .order_by(_versions.version_number.desc())
        .limit(1)
    )
    query = (
        select(
            _quotes.number,
            _quotes.status,
            _customers.code.label("customer"),
            _customers.name.label("customer_name"),
            _quotes.owner,
            _quotes.valid_until,
            _quotes.currency,
            latest.with_only_columns(_versions.version_number).scalar_subquery().label("version"),
            latest.with_only_columns(_versions.total).scalar_subquery().label("total"),
            _quotes.created_at,
            _quotes.updated_at,
        )
        .join(tables.customers, _customers.id == _quotes.customer_id)
        .where(*_quote_conditions(groups, customer, text))
        .order_by(_quotes.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(_quotes.status == status)
    if after:
        last = select(_quotes.id).where(_quotes.number == after).scalar_subquery()
        query = query.where(_quotes.id < last)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query)]


def quote_counts(
    engine: Engine, *, groups: Groups = None, customer: str | None = None, text: str | None = None
) -> dict[str, int]:
    """How many quotes in each status (every status named), for the same filters."""
    query = (
        select(_quotes.status, func.count())
        .join(tables.customers, _customers.id == _quotes.customer_id)
        .where(*_quote_conditions(groups, customer, text))
        .group_by(_quotes.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    with engine.connect() as connection:
        counts.update(connection.execute(query).all())
    return counts


def quote_detail(engine: Engine, number: str, *, groups: Groups = None) -> dict[str, Any]:
    """A quote with its customer, versions (lines, totals; whether a PDF is kept,
    never the PDF itself), the orders made from it, its request and its history."""
    with engine.connect() as connection:
        quote = _quote_row(connection, number, groups)
        detail = _row(quote, drop=("customer_id", "customer_email", "customer_group"))
        detail["customer"] = {
            "code": quote.customer_code,
            "name": quote.customer_name,
            "email": quote.customer_email,
            "group": quote.customer_group,
        }
        detail.pop("customer_code")
        detail.pop("customer_name")
        detail["versions"] = _versions_of(connection, quote.id)
        detail["orders"] = [
            _row(row)
            for row in connection.execute(
                select(_orders.number, _versions.version_number.label("version"), _orders.status)
                .join(tables.quote_versions, _versions.id == _orders.quote_version_id)
                .where(_versions.quote_id == quote.id)
                .order_by(_orders.id)
            )
        ]
        detail["rfq"] = connection.execute(
            select(_rfqs.number).where(_rfqs.quote_id == quote.id)
        ).scalar()
        detail["history"] = history(connection, "quote", quote.id)
    return detail


def version_pdf(
    engine: Engine, number: str, version: int, *, groups: Groups = None
) -> tuple[bytes, str] | None:
    """The PDF a sent version was frozen with, and its SHA-256; None for a draft."""
    with engine.connect() as connection:
        quote = _quote_row(connection, number, groups)
        row = connection.execute(
            select(_versions.status, _versions.pdf, _versions.pdf_sha256).where(
                _versions.quote_id == quote.id, _versions.version_number == version
            )
        ).one_or_none()
    if row is None:
        raise NotFound(f"quote {number} has no version {version}")
    return (row.pdf, row.pdf_sha256) if row.pdf is not None else None


def list_rfqs(
    engine: Engine,
    *,
    groups: Groups = None,
    status: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = (
        select(
            _rfqs.number,
            _rfqs.status,
            _rfqs.source,
            _rfqs.company,
            _rfqs.contact_name,
            _rfqs.email,
            _customers.code.label("customer"),
            _quotes.number.label("quote"),
            _rfqs.received_at,
        )
        .outerjoin(tables.customers, _customers.id == _rfqs.customer_id)
        .outerjoin(tables.quotes, _quotes.id == _rfqs.quote_id)
        .where(rfq_condition(groups))
        .order_by(_rfqs.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(_rfqs.status == status)
    if after:
        last = select(_rfqs.id).where(_rfqs.number == after).scalar_subquery()
        query = query.where(_rfqs.id < last)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query)]


def rfq_counts(engine: Engine, *, groups: Groups = None) -> dict[str, int]:
    query = select(_rfqs.status, func.count()).where(rfq_condition(groups)).group_by(_rfqs.status)
    counts = dict.fromkeys(RFQ_STATUSES, 0)
    with engine.connect() as connection:
        counts.update(connection.execute(query).all())
    return counts


def rfq_detail(engine: Engine, number: str, *, groups: Groups = None) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            select(
                tables.rfqs,
                _customers.code.label("customer"),
                _quotes.number.label("quote"),
            )
            .outerjoin(tables.customers, _customers.id == _rfqs.customer_id)
            .outerjoin(tables.quotes, _quotes.id == _rfqs.quote_id)
            .where(_rfqs.number == number, rfq_condition(groups))
        ).one_or_none()
        if row is None:
            raise NotFound(f"no request for quotation {number}")
        detail = _row(row, drop=("customer_id", "quote_id"))
        detail["history"] = history(connection, "rfq", row.id)
    return detail


def list_carts(
    engine: Engine,
    *,
    groups: Groups = None,
    owner: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    lines = (
        select(func.count())
        .where(_cart_lines.cart_id == _carts.id, _cart_lines.status == "open")
        .scalar_subquery()
        .label("lines")
    )
    query = (
        select(
            _carts.id,
            _carts.status,
            _carts.owner,
            _customers.code.label("customer"),
            _customers.name.label("customer_name"),
            lines,
            _carts.submitted_as,
            _carts.result_number,
            _carts.created_at,
            _carts.updated_at,
        )
        .join(tables.customers, _customers.id == _carts.customer_id)
        .where(scope.customer_condition(groups))
        .order_by(_carts.id.desc())
        .limit(limit)
    )
    if owner:
        query = query.where(_carts.owner == owner)
    if status:
        query = query.where(_carts.status == status)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(query)]


def cart_history(engine: Engine, cart_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return history(connection, "cart", cart_id)


def rfq_condition(groups: Groups):
    """Requests of customers in the groups; one with no customer yet when the group
    that takes new leads is among them."""
    if groups is None:
        return scope.customer_condition(None)
    in_groups = select(_customers.id).where(scope.customer_condition(groups))
    lead_group = select(_groups.id).where(
        _groups.takes_new_leads.is_(True), scope.group_condition(groups)
    )
    return or_(
        _rfqs.customer_id.in_(in_groups),
        and_(_rfqs.customer_id.is_(None), lead_group.exists()),
    )


def history(connection: Connection, doc_type: str, doc_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(tables.history)
        .where(_history.doc_type == doc_type, _history.doc_id == doc_id)
        .order_by(_history.id)
    )
    return [_row(entry, drop=("doc_type", "doc_id")) for entry in rows]


def _quote_conditions(groups: Groups, customer: str | None, text: str | None) -> list:
    conditions = [scope.customer_condition(groups)]
    if customer:
        conditions.append(_customers.code == customer)
    if text:
        columns = (_quotes.number, _customers.code, _customers.name, _quotes.notes)
        conditions.append(or_(*(c.icontains(text, autoescape=True) for c in columns)))
    return conditions


def _quote_row(connection: Connection, number: str, groups: Groups):
    row = connection.execute(
        select(
            tables.quotes,
            _customers.code.label("customer_code"),
            _customers.name.label("customer_name"),
            _customers.email.label("customer_email"),
            _groups.code.label("customer_group"),
        )
        .join(tables.customers, _customers.id == _quotes.customer_id)
        .outerjoin(tables.customer_groups, _groups.id == _customers.group_id)
        .where(_quotes.number == number, scope.customer_condition(groups))
    ).one_or_none()
    if row is None:
        raise NotFound(f"no quote {number}")
    return row


def _versions_of(connection: Connection, quote_id: int) -> list[dict[str, Any]]:
    columns = [c for c in tables.quote_versions.c if c.name != "pdf"]
    versions = connection.execute(
        select(*columns, _versions.pdf.isnot(None).label("pdf_kept"))
        .where(_versions.quote_id == quote_id)
        .order_by(_versions.version_number)
    ).all()
    lines = connection.execute(
        select(tables.quote_lines)
        .where(_lines.version_id.in_([v.id for v in versions] or [0]))
        .order_by(_lines.version_id, _lines.line_number)
    ).all()
    kept = []
    for version in versions:
        values = _row(version, drop=("id", "quote_id"))
        values["lines"] = [
            {**_row(line, drop=("id", "version_id")), "amount": _amount(line)}
            for line in lines
            if line.version_id == version.id
        ]
        kept.append(values)
    return kept


def _amount(line) -> str | None:
    if line.unit_price is None:
        return None
    return plain_value(cents(line.unit_price * line.quantity))


def _row(row, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in row._mapping.items() if k not in drop}
