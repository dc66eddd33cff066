"""Products, price levels and the sales tables (tax rates, shipping ranges, discount
codes, branches) through the ORM, and the product search tokens kept beside them.

`products.search_vector` is derived data: it is rewritten with a plain UPDATE
whenever a product's words or part numbers or a supplier's part number change, so
it never shows in the history.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import bindparam, event, func, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, registry, relationship

from core import ports
from core.model.branches import Branch
from core.model.discount_codes import DiscountCode
from core.model.products import (
    PriceBreak,
    PriceLevel,
    Product,
    ProductPrice,
    ProductSupplier,
    search_tokens,
)
from core.model.shipping_rates import ShippingRange
from core.model.tax import TaxRate
from core.storage import tables

_products = tables.products.c
_suppliers = tables.product_suppliers.c
_codes = tables.discount_codes.c


def map_catalog(mapper_registry: registry) -> None:
    """Map the catalogue and sales tables; called once, after Product is mapped."""
    for cls, table in (
        (ProductSupplier, tables.product_suppliers),
        (ProductPrice, tables.product_prices),
        (PriceBreak, tables.price_breaks),
        (PriceLevel, tables.price_levels),
        (TaxRate, tables.tax_rates),
        (ShippingRange, tables.shipping_ranges),
        (DiscountCode, tables.discount_codes),
        (Branch, tables.branches),
    ):
        mapper_registry.map_imperatively(cls, table)
    product = inspect(Product)
    # Loaded when a handler touches them, never with every product.
    product.add_property(
        "suppliers", relationship(ProductSupplier, order_by=tables.product_suppliers.c.id)
    )
    product.add_property(
        "level_prices", relationship(ProductPrice, order_by=tables.product_prices.c.id)
    )
    product.add_property("breaks", relationship(PriceBreak, order_by=tables.price_breaks.c.id))
    event.listen(Product, "after_insert", _product_inserted)
    event.listen(Product, "after_update", _product_updated)
    event.listen(ProductSupplier, "after_insert", _supplier_inserted)
    event.listen(ProductSupplier, "after_update", _supplier_updated)


def _product_inserted(_mapper, connection: Connection, product: Product) -> None:
    refresh_search(connection, [product.id])


def _product_updated(_mapper, connection: Connection, product: Product) -> None:
    if _changed(product, SEARCHED):
        refresh_search(connection, [product.id])


def _supplier_inserted(_mapper, connection: Connection, supplier: ProductSupplier) -> None:
    refresh_search(connection, [supplier.product_id])


def _supplier_updated(_mapper, connection: Connection, supplier: ProductSupplier) -> None:
    if _changed(supplier, ("supplier_part_id", "archived", "product_id")):
        refresh_search(connection, [supplier.product_id])


SEARCHED = ("sku", "description", "manufacturer_name", "manufacturer_part_id")


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def refresh_search(connection: Connection, product_ids: Iterable[int]) -> None:
    """Rewrite the search tokens of these products from what is stored."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    rows = connection.execute(
        select(
            _products.id,
            _products.sku,
            _products.description,
            _products.manufacturer_name,
            _products.manufacturer_part_id,
        ).where(_products.id.in_(ids))
    ).all()
    parts: dict[int, list[str]] = {product_id: [] for product_id in ids}
    for row in connection.execute(
        select(_suppliers.product_id, _suppliers.supplier_part_id)
        .where(_suppliers.product_id.in_(ids), _suppliers.archived.is_(False))
        .order_by(_suppliers.id)
    ):
        parts[row.product_id].append(row.supplier_part_id)
    write_search_tokens(
        connection,
        {
            row.id: search_tokens(
                (row.description, row.manufacturer_name),
                (row.sku, row.manufacturer_part_id, *parts[row.id]),
            )
            for row in rows
        },
    )


def write_search_tokens(connection: Connection, tokens: dict[int, list[str]]) -> None:
    """Store products' search tokens: one statement for them all on PostgreSQL."""
    if not tokens:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(
            _WRITE_VECTORS,
            {"ids": list(tokens), "docs": [" ".join(t) for t in tokens.values()]},
        )
        return
    connection.execute(
        _write_documents(),
        [{"product_id": pid, "doc": search_document(t)} for pid, t in tokens.items()],
    )


def search_document(tokens: list[str]) -> str:
    """The SQLite form of the tokens: each between spaces, for LIKE '% word%'."""
    return f" {' '.join(tokens)} "


_WRITE_VECTORS = text(
    "UPDATE products SET search_vector = array_to_tsvector(string_to_array(d.doc, ' '))"
    " FROM unnest(CAST(:ids AS bigint[]), CAST(:docs AS text[])) AS d(id, doc)"
    " WHERE products.id = d.id"
)


@functools.cache
def _write_documents():
    return (
        update(tables.products)
        .where(_products.id == bindparam("product_id"))
        .values(search_vector=bindparam("doc"))
    )


class SqlCatalogRepository(ports.CatalogRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, product: Product) -> None:
        self.session.add(product)
        self.session.flush()

    def get(self, sku: str) -> Product | None:
        return self.session.scalars(select(Product).filter_by(sku=sku)).one_or_none()

    def add_level(self, level: PriceLevel) -> None:
        self.session.add(level)
        self.session.flush()

    def level(self, code: str) -> PriceLevel | None:
        return self.session.scalars(select(PriceLevel).filter_by(code=code)).one_or_none()


class SqlSalesSettings(ports.SalesSettingsRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: TaxRate | ShippingRange | DiscountCode | Branch) -> None:
        self.session.add(item)
        self.session.flush()

    def add_all(self, items: Iterable[DiscountCode]) -> None:
        self.session.add_all(list(items))
        self.session.flush()

    def tax_rate(self, country: str, state: str | None, postal_prefix: str | None):
        query = select(TaxRate).filter_by(
            country=country, state=state, postal_prefix=postal_prefix, archived=False
        )
        return self.session.scalars(query.order_by(TaxRate.id.desc())).first()

    def shipping_range(self, range_id: int) -> ShippingRange | None:
        return self.session.get(ShippingRange, range_id)

    def shipping_ranges(self, method: str) -> list[ShippingRange]:
        """Every range of a method (any case), after taking the method's lock on
        PostgreSQL so two staff cannot add overlapping ranges at once (SQLite
        writers are serialised already)."""
        if self.session.bind.dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"shipping_ranges:{method.casefold()}"},
            )
        same_method = func.lower(tables.shipping_ranges.c.method) == method.lower()
        return list(self.session.scalars(select(ShippingRange).where(same_method)))

    def discount_code(self, code: str) -> DiscountCode | None:
        return self.session.scalars(select(DiscountCode).filter_by(code=code)).one_or_none()

    def existing_codes(self, codes: Iterable[str]) -> set[str]:
        codes = list(codes)
        found: set[str] = set()
        for start in range(0, len(codes), 1000):
            chunk = codes[start : start + 1000]
            found.update(self.session.scalars(select(_codes.code).where(_codes.code.in_(chunk))))
        return found

    def redeem(self, code: str) -> int | None:
        """Count one use if the code has uses left: one conditional UPDATE, so
        concurrent redemptions never pass the limit. The new count, or None."""
        return self.session.execute(
            update(tables.discount_codes)
            .where(
                _codes.code == code,
                _codes.active.is_(True),
                (_codes.max_uses.is_(None)) | (_codes.uses < _codes.max_uses),
            )
            .values(uses=_codes.uses + 1)
            .returning(_codes.uses)
        ).scalar()

    def branch(self, code: str) -> Branch | None:
        return self.session.scalars(select(Branch).filter_by(code=code)).one_or_none()
