"""Read-side queries of the catalogue and the sales tables: product search, product
detail with its history, price levels, tax rates, shipping ranges, discount codes
and branches.

Product search (M-45): every word of the query must start one of the product's
tokens (core.model.products.search_tokens: words of its description and maker,
its part numbers ours, the maker's and the suppliers'), compared as part numbers
are: lower case, letters and digits only, so "tn-436" finds TN436BK and "toner
black" finds black toner. A query of several words also matches when all of it
is one part number's start ("TN 436"). PostgreSQL answers from the tsvector's GIN
index with prefix queries; SQLite scans with LIKE. Pages continue by part number
(`after`), so a page costs the same however deep it is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import and_, cast, false, literal, or_, select
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Connection, Engine

from core.errors import NotFound
from core.model.products import part_key
from core.storage import tables
from core.storage.engine import one_statement
from core.storage.history import plain_value

_p = tables.products.c
_suppliers = tables.product_suppliers.c
_prices = tables.product_prices.c
_breaks = tables.price_breaks.c
_history = tables.history.c
LIST_COLUMNS = (
    _p.sku,
    _p.description,
    _p.manufacturer_name,
    _p.manufacturer_part_id,
    _p.unit_of_measure,
    _p.list_price,
    _p.currency,
    _p.category,
    _p.weight,
    _p.archived,
)
MAX_WORDS = 8
SELECTIVE = 3  # characters in a query word that make it select few products


def search_products(
    engine: Engine | Connection,
    text: str | None = None,
    *,
    limit: int = 50,
    after: str | None = None,
    category: str | None = None,
    include_archived: bool = False,
) -> list[dict[str, Any]]:
    """Products in part-number order matching `text` (all of them without it)."""
    conditions = []
    if not include_archived:
        conditions.append(_p.archived.is_(False))
    if category:
        conditions.append(_p.category == category)
    if after:
        conditions.append(_p.sku > after)
    if text and text.strip():
        conditions.append(text_condition(text, engine.dialect.name))
    query = select(*LIST_COLUMNS).where(*conditions)
    if engine.dialect.name == "postgresql" and _selective(text):
        # Matches first, then their order: PostgreSQL would otherwise walk the part
        # number index hoping to meet 50 matches soon, and matches that cluster at
        # the end (every TNR- part for "toner") make it read most of the table.
        # A word of three characters or more matches few enough to sort instead.
        found = query.offset(0).subquery()
        query = select(found).order_by(found.c.sku).limit(limit)
    else:
        query = query.order_by(_p.sku).limit(limit)
    return [_row(row) for row in _execute(engine, query)]


def _selective(text: str | None) -> bool:
    return any(len(part_key(word)) >= SELECTIVE for word in (text or "").split()[:MAX_WORDS])


def text_condition(text: str, dialect: str):
    """Every word starts a token, or (several words) the whole starts a part number."""
    keys = [key for key in map(part_key, text.split()[:MAX_WORDS]) if key]
    if not keys:
        return false()
    whole = part_key(text) if len(keys) > 1 else None
    if dialect == "postgresql":
        query = " & ".join(f"'{key}':*" for key in keys)
        if whole:
            query = f"({query}) | '{whole}':*"
        return _p.search_vector.op("@@")(cast(literal(query), TSQUERY))
    every_word = and_(*(_p.search_vector.like(f"% {key}%") for key in keys))
    return or_(every_word, _p.search_vector.like(f"% {whole}%")) if whole else every_word


def sku_for_part(connection: Connection, part: str) -> str | None:
    """Our part number for a part number a buyer used: ours, the maker's or a
    supplier's, compared as search compares them. Ours wins, then the maker's."""
    key = part_key(part)
    if not key:
        return None
    if connection.dialect.name == "postgresql":
        holds = _p.search_vector.op("@@")(cast(literal(f"'{key}'"), TSQUERY))
    else:
        holds = _p.search_vector.like(f"% {key} %")
    rows = connection.execute(
        select(_p.id, _p.sku, _p.manufacturer_part_id)
        .where(_p.archived.is_(False), holds)
        .order_by(_p.sku)
        .limit(200)
    ).all()
    for same in (
        lambda row: part_key(row.sku) == key,
        lambda row: part_key(row.manufacturer_part_id) == key,
    ):
        found = [row.sku for row in rows if same(row)]
        if found:
            return found[0]
    supplied = connection.execute(
        select(_suppliers.product_id, _suppliers.supplier_part_id).where(
            _suppliers.product_id.in_([row.id for row in rows]), _suppliers.archived.is_(False)
        )
    ).all()
    ids = {s.product_id for s in supplied if part_key(s.supplier_part_id) == key}
    return next((row.sku for row in rows if row.id in ids), None)


def product_detail(engine: Engine, sku: str) -> dict[str, Any]:
    """A product with its suppliers, level prices, breaks (archived ones marked) and
    its history, oldest first."""
    with engine.connect() as connection:
        product = connection.execute(select(tables.products).where(_p.sku == sku)).one_or_none()
        if product is None:
            raise NotFound(f"no product {sku}")
        detail = _row(product, drop=("search_vector",))
        parts = (
            ("suppliers", tables.product_suppliers, _suppliers.id),
            ("level_prices", tables.product_prices, _prices.level_code),
            ("breaks", tables.price_breaks, _breaks.min_quantity),
        )
        for name, table, order in parts:
            rows = connection.execute(
                select(table).where(table.c.product_id == product.id).order_by(order, table.c.id)
            )
            detail[name] = [_row(row, drop=("product_id",)) for row in rows]
        detail["breaks"].sort(key=lambda b: (b["level_code"] or "", Decimal(b["min_quantity"])))
        detail["history"] = history_of(connection, "product", product.id)
    return detail


def history_of(connection: Connection, doc_type: str, doc_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(tables.history)
        .where(_history.doc_type == doc_type, _history.doc_id == doc_id)
        .order_by(_history.id)
    )
    return [_row(row, drop=("doc_type", "doc_id")) for row in rows]


def list_price_levels(engine: Engine) -> list[dict[str, Any]]:
    levels = tables.price_levels.c
    return _all(engine, select(tables.price_levels).order_by(levels.code))


def price_level_detail(engine: Engine, code: str) -> dict[str, Any]:
    levels = tables.price_levels.c
    with engine.connect() as connection:
        row = connection.execute(
            select(tables.price_levels).where(levels.code == code)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no price level {code}")
        detail = _row(row)
        detail["history"] = history_of(connection, "price_level", row.id)
    return detail


def _detail(engine: Engine, table, key: str, value, doc_type: str, name: str) -> dict[str, Any]:
    """One row of a sales table with its history."""
    with engine.connect() as connection:
        row = connection.execute(select(table).where(table.c[key] == value)).one_or_none()
        if row is None:
            raise NotFound(f"no {name} {value}")
        detail = _row(row)
        detail["history"] = history_of(connection, doc_type, row.id)
    return detail


def tax_rate_detail(engine: Engine, rate_id: int) -> dict[str, Any]:
    return _detail(engine, tables.tax_rates, "id", rate_id, "tax_rate", "tax rate")


def shipping_range_detail(engine: Engine, range_id: int) -> dict[str, Any]:
    return _detail(
        engine, tables.shipping_ranges, "id", range_id, "shipping_range", "shipping range"
    )


def discount_code_detail(engine: Engine, code: str) -> dict[str, Any]:
    return _detail(engine, tables.discount_codes, "code", code, "discount_code", "discount code")


def branch_detail(engine: Engine, code: str) -> dict[str, Any]:
    return _detail(engine, tables.branches, "code", code, "branch", "branch")


def list_tax_rates(engine: Engine, *, country: str | None = None) -> list[dict[str, Any]]:
    rates = tables.tax_rates.c
    query = select(tables.tax_rates).order_by(
        rates.country,
        rates.state.is_not(None),
        rates.state,
        rates.postal_prefix.is_not(None),
        rates.postal_prefix,
        rates.id,
    )
    if country:
        query = query.where(rates.country == country.strip().upper())
    return _all(engine, query)


def list_shipping_ranges(engine: Engine, *, method: str | None = None) -> list[dict[str, Any]]:
    ranges = tables.shipping_ranges.c
    query = select(tables.shipping_ranges).order_by(
        ranges.method, ranges.basis, ranges.country, ranges.id
    )
    if method:
        query = query.where(ranges.method.ilike(method.strip()))
    found = _all(engine, query)
    # SQLite keeps exact decimals as text: put each table's bands in order here.
    found.sort(key=lambda r: (r["method"], r["basis"], r["country"] or "", Decimal(r["min_value"])))
    return found


def list_discount_codes(
    engine: Engine,
    *,
    batch: str | None = None,
    limit: int = 100,
    after: str | None = None,
) -> list[dict[str, Any]]:
    codes = tables.discount_codes.c
    query = select(tables.discount_codes).order_by(codes.code).limit(limit)
    if batch:
        query = query.where(codes.batch == batch)
    if after:
        query = query.where(codes.code > after)
    return _all(engine, query)


def list_branches(engine: Engine, *, pickup_only: bool = False) -> list[dict[str, Any]]:
    branches = tables.branches.c
    query = select(tables.branches).order_by(branches.code)
    if pickup_only:
        query = query.where(branches.pickup.is_(True), branches.active.is_(True))
    return _all(engine, query)


def _all(engine: Engine, query) -> list[dict[str, Any]]:
    return [_row(row) for row in _execute(engine, query)]


def _execute(engine: Engine | Connection, query):
    if isinstance(engine, Connection):
        return engine.execute(query).all()
    with one_statement(engine) as connection:
        return connection.execute(query).all()


def _row(row, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in row._mapping.items() if k not in drop}
