"""Prices, tax, shipping and discount codes from the database: each function gathers
what the rules need in one or two queries and lets the pure rules in core.model
decide. Quotes, carts and order edits call these (through `uow.prices` in handlers).

`groups`, where taken, is the caller's customer-group scope (Principal.groups): a
customer outside it is answered as unknown, as everywhere else.
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core import ports
from core.errors import NotFound
from core.model import discount_codes, shipping_rates, tax
from core.model.discount_codes import CodeTerms, Verdict
from core.model.pricing import Break, Level, Override, Price, PricingError, PricingInputs, price
from core.model.shipping_rates import ShippingQuote
from core.model.tax import RateRow, TaxQuote
from core.storage import tables

_p = tables.products.c
_c = tables.customers.c
_g = tables.customer_groups.c
_levels = tables.price_levels.c
_prices = tables.product_prices.c
_breaks = tables.price_breaks.c
_rates = tables.tax_rates.c
_ranges = tables.shipping_ranges.c
_codes = tables.discount_codes.c


def price_for(
    connection: Connection,
    sku: str,
    customer_code: str | None,
    quantity: Decimal,
    override: Override | None = None,
    *,
    groups: frozenset[int] | None = None,
) -> Price:
    """The price of `quantity` units of `sku` for a customer (None: no customer, so
    list price, breaks for any level and the floor) with every step taken."""
    row = connection.execute(_pricing_row(), {"sku": sku, "customer": customer_code}).first()
    if row is None:
        raise NotFound(f"no product {sku}")
    if row.archived:
        raise PricingError(f"product {sku} is archived; it is not sold")
    _check_customer(customer_code, row.customer_id, row.group_id, groups)
    level = None
    if row.level_kind is not None and not row.level_archived:
        level = Level(row.price_level, row.level_kind, row.level_percent)
    breaks = [
        Break(b.level_code, b.min_quantity, b.unit_price)
        for b in connection.execute(
            _breaks_of(), {"product_id": row.id, "level": level.code if level else None}
        )
    ]
    inputs = PricingInputs(
        sku=row.sku,
        quantity=Decimal(quantity),
        list_price=row.list_price,
        cost=row.cost,
        currency=row.currency,
        level=level,
        level_price=row.level_price if level else None,
        breaks=breaks,
        group_discount=row.group_discount,
        customer_discount=row.customer_discount,
        override=override,
    )
    return price(inputs)


def _check_customer(code: str | None, customer_id, group_id, groups) -> None:
    if code is None:
        return
    if customer_id is None or (groups is not None and group_id not in groups):
        raise NotFound(f"no customer {code}")


def _customer(connection: Connection, code: str, groups):
    """A customer's tax exemption and group, checked against the caller's scope."""
    customer = connection.execute(_customer_row(), {"code": code}).first()
    _check_customer(code, customer.id if customer else None, customer and customer.group_id, groups)
    return customer


@functools.cache
def _customer_row():
    return (
        select(_c.id, _c.group_id, _c.tax_exempt, _g.code.label("group_code"))
        .select_from(tables.customers.outerjoin(tables.customer_groups, _g.id == _c.group_id))
        .where(_c.code == bindparam("code"))
    )


@functools.cache
def _pricing_row():
    """The product with, for the customer if any, their discount, their group's
    level and discount, and the product's fixed price at that level: one row."""
    joined = (
        tables.products.outerjoin(tables.customers, _c.code == bindparam("customer"))
        .outerjoin(tables.customer_groups, _g.id == _c.group_id)
        .outerjoin(tables.price_levels, _levels.code == _g.price_level)
        .outerjoin(
            tables.product_prices,
            and_(
                _prices.product_id == _p.id,
                _prices.level_code == _levels.code,
                _prices.archived.is_(False),
            ),
        )
    )
    return (
        select(
            _p.id,
            _p.sku,
            _p.list_price,
            _p.cost,
            _p.currency,
            _p.archived,
            _c.id.label("customer_id"),
            _c.group_id,
            _c.discount_percent.label("customer_discount"),
            _g.discount_percent.label("group_discount"),
            _g.price_level,
            _levels.kind.label("level_kind"),
            _levels.percent.label("level_percent"),
            _levels.archived.label("level_archived"),
            _prices.unit_price.label("level_price"),
        )
        .select_from(joined)
        .where(_p.sku == bindparam("sku"))
    )


@functools.cache
def _breaks_of():
    return select(_breaks.level_code, _breaks.min_quantity, _breaks.unit_price).where(
        _breaks.product_id == bindparam("product_id"),
        _breaks.archived.is_(False),
        or_(_breaks.level_code.is_(None), _breaks.level_code == bindparam("level")),
    )


def tax_for(
    connection: Connection,
    country: str,
    state: str | None,
    postal_code: str | None,
    amount: Decimal,
    customer_code: str | None = None,
    *,
    groups: frozenset[int] | None = None,
) -> TaxQuote:
    """Tax on `amount` shipped to a place: the most specific active rate, or none
    for a tax-exempt customer."""
    if customer_code is not None:
        customer = _customer(connection, customer_code, groups)
        if customer.tax_exempt:
            return tax.tax_quote(None, amount, exempt=True)
    country, state = tax.country_code(country), tax.state_code(state)
    prefixes = tax.postal_prefixes(postal_code)
    query = select(
        _rates.id, _rates.country, _rates.state, _rates.postal_prefix, _rates.rate, _rates.name
    ).where(
        _rates.country == country,
        _rates.active.is_(True),
        _rates.archived.is_(False),
        or_(_rates.state.is_(None), _rates.state == state),
        or_(_rates.postal_prefix.is_(None), _rates.postal_prefix.in_(prefixes or [""])),
    )
    rates = [RateRow(*row) for row in connection.execute(query)]
    found = tax.most_specific(rates, country, state, postal_code)
    place = " ".join(part for part in (postal_code, state, country) if part)
    return tax.tax_quote(found, amount, place=place)


def shipping_price(
    connection: Connection,
    method: str,
    order_value: Decimal | None,
    weight: Decimal | None,
    country: str | None,
) -> ShippingQuote:
    """The price of shipping by `method` from the active shipping ranges."""
    rows = connection.execute(
        select(tables.shipping_ranges).where(
            func.lower(_ranges.method) == (method or "").strip().lower(),
            _ranges.active.is_(True),
            _ranges.archived.is_(False),
        )
    ).all()
    return shipping_rates.quote(rows, method, order_value, weight, country)


def discount_verdict(
    connection: Connection,
    code: str,
    customer_code: str | None,
    order_value: Decimal,
    on: date,
    *,
    groups: frozenset[int] | None = None,
) -> Verdict:
    """Whether a discount code takes something off this order, and if not, why not."""
    code = discount_codes.normalise(code)
    row = connection.execute(select(tables.discount_codes).where(_codes.code == code)).first()
    if row is None:
        raise NotFound(f"no discount code {code}")
    group_code = None
    if customer_code is not None:
        group_code = _customer(connection, customer_code, groups).group_code
    terms = CodeTerms(
        row.code,
        row.kind,
        row.value,
        row.active and not row.archived,
        row.valid_from,
        row.valid_until,
        row.max_uses,
        row.uses,
        row.customer_group,
        row.min_order_value,
    )
    return discount_codes.check(terms, group_code, Decimal(order_value), on)


class SqlPriceBook(ports.PriceBook):
    """The pricing lookups inside a unit of work's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def price_for(self, sku, customer_code, quantity, override=None) -> Price:
        return price_for(self.session.connection(), sku, customer_code, quantity, override)

    def tax_for(self, country, state, postal_code, amount, customer_code=None) -> TaxQuote:
        connection = self.session.connection()
        return tax_for(connection, country, state, postal_code, amount, customer_code)

    def shipping_price(self, method, order_value, weight, country) -> ShippingQuote:
        return shipping_price(self.session.connection(), method, order_value, weight, country)

    def discount_verdict(self, code, customer_code, order_value, on) -> Verdict:
        connection = self.session.connection()
        return discount_verdict(connection, code, customer_code, order_value, on)
