"""Quotes, RFQs and carts through the ORM, and the sales desk: what they ask of
customers, the catalog and the pricing rules, inside the unit of work's transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import ports
from core.errors import NotFound
from core.model.carts import Cart
from core.model.customers import Customer
from core.model.pricing import PricingError
from core.model.quotes import DiscountCheck, Priced, Quote, QuoteVersion
from core.model.rfqs import Rfq
from core.storage import catalog_queries, pricing, tables

_customers = tables.customers.c
_contacts = tables.customer_contacts.c
_products = tables.products.c
_ranges = tables.shipping_ranges.c


class SqlQuoteRepository(ports.QuoteRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, quote: Quote) -> None:
        self.session.add(quote)
        self.session.flush()

    def get(self, number: str, *, lock: bool = False) -> Quote | None:
        query = _locked(self.session, select(Quote), lock).filter_by(number=number)
        return self.session.scalars(query).one_or_none()

    def keep_pdf(self, version: QuoteVersion, pdf: bytes) -> None:
        self.session.flush()
        versions = tables.quote_versions
        self.session.execute(update(versions).where(versions.c.id == version.id).values(pdf=pdf))

    def order_of(self, version: QuoteVersion | None) -> str | None:
        if version is None or version.id is None:
            return None
        orders = tables.orders.c
        query = select(orders.number).where(orders.quote_version_id == version.id)
        return self.session.execute(query.order_by(orders.id).limit(1)).scalar()


class SqlRfqRepository(ports.RfqRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, rfq: Rfq) -> None:
        self.session.add(rfq)
        self.session.flush()

    def get(self, number: str, *, lock: bool = False) -> Rfq | None:
        query = _locked(self.session, select(Rfq), lock).filter_by(number=number)
        return self.session.scalars(query).one_or_none()


class SqlCartRepository(ports.CartRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, cart: Cart) -> None:
        self.session.add(cart)
        self.session.flush()

    def get(self, cart_id: int, *, lock: bool = False) -> Cart | None:
        query = _locked(self.session, select(Cart), lock).filter_by(id=cart_id)
        return self.session.scalars(query).one_or_none()


class SqlSalesDesk(ports.SalesDesk):
    def __init__(self, session: Session) -> None:
        self.session = session

    def customer_by_id(self, customer_id: int) -> Customer | None:
        return self.session.get(Customer, customer_id)

    def customer_by_email(self, email: str) -> Customer | None:
        """The customer's own address first, then a contact's; live ones, oldest first."""
        wanted = email.strip().lower()
        own = select(Customer).where(
            func.lower(_customers.email) == wanted, _customers.archived.is_(False)
        )
        found = self.session.scalars(own.order_by(_customers.id).limit(1)).first()
        if found is not None:
            return found
        via_contact = select(_contacts.customer_id).where(
            func.lower(_contacts.email) == wanted, _contacts.archived.is_(False)
        )
        query = select(Customer).where(
            _customers.id.in_(via_contact), _customers.archived.is_(False)
        )
        return self.session.scalars(query.order_by(_customers.id).limit(1)).first()

    def price(self, sku: str, customer_code: str | None, quantity: Decimal) -> Priced | None:
        connection = self.session.connection()
        product = connection.execute(
            select(
                _products.sku,
                _products.description,
                _products.unit_of_measure,
                _products.list_price,
                _products.cost,
                _products.weight,
            ).where(_products.sku == sku, _products.archived.is_(False))
        ).first()
        if product is None:
            return None
        try:
            found = pricing.price_for(connection, sku, customer_code, quantity)
        except PricingError:
            # No list price and no level price: quotable, priced by hand.
            found = None
        return Priced(
            product.sku,
            product.description,
            product.unit_of_measure,
            found.unit_price if found else None,
            product.list_price,
            product.cost,
            found.source if found else "unpriced",
            product.weight,
        )

    def sku_for_part(self, part: str) -> str | None:
        return catalog_queries.sku_for_part(self.session.connection(), part)

    def shipping(
        self, method: str, order_value: Decimal, weight: Decimal, country: str | None
    ) -> Decimal | None:
        connection = self.session.connection()
        try:
            return pricing.shipping_price(connection, method, order_value, weight, country).price
        except NotFound:
            return None

    def shipping_options(
        self, order_value: Decimal, weight: Decimal, country: str | None
    ) -> dict[str, Decimal]:
        methods = self.session.execute(
            select(_ranges.method)
            .where(_ranges.active.is_(True), _ranges.archived.is_(False))
            .distinct()
        ).scalars()
        options = {}
        for method in sorted(set(methods), key=str.casefold):
            price = self.shipping(method, order_value, weight, country)
            if price is not None:
                options[method] = price
        return options

    def tax(self, ship_to: dict | None, amount: Decimal, customer_code: str | None) -> Decimal:
        """No tax without a ship-to country: the tax rates go by place."""
        if not ship_to or not ship_to.get("country"):
            return Decimal("0.00")
        quote = pricing.tax_for(
            self.session.connection(),
            ship_to["country"],
            ship_to.get("state"),
            ship_to.get("postal_code"),
            amount,
            customer_code,
        )
        return quote.tax

    def check_discount(
        self, code: str, customer_code: str | None, order_value: Decimal, today: date
    ) -> DiscountCheck:
        connection = self.session.connection()
        try:
            verdict = pricing.discount_verdict(connection, code, customer_code, order_value, today)
        except NotFound as error:
            return DiscountCheck(code, Decimal(0), str(error))
        if not verdict.accepted:
            return DiscountCheck(verdict.code, Decimal(0), f"{verdict.code}: {verdict.reason}")
        return DiscountCheck(verdict.code, verdict.discount)


def _locked(session: Session, query, lock: bool):
    """Held for this transaction on PostgreSQL (SQLite serialises its writers)."""
    if lock and session.bind.dialect.name == "postgresql":
        return query.with_for_update()
    return query
