"""The B2B cart: a salesperson enters an order for a customer line by line, with
prices from the engine that may be adjusted by hand (a price, a margin over cost or
a discount off list, each with a reason), a shipping method priced by the shipping
ranges, tax by the customer's ship-to, a payment method and a discount code, then
submits it as a quote or as an order. Lines are never deleted: removed is a state."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

from core.model.quotes import (
    OPEN,
    PAYMENT_METHODS,
    REMOVED,
    ZERO,
    Priced,
    PricedLine,
    QuoteRefused,
    Totals,
    cents,
    check_currency,
    level_price,
    margin_of,
    percent,
    quantity_of,
)

STATUSES = ("open", "quoted", "ordered")
SUBMIT_AS = ("quote", "order")
DETAILS = (
    "shipping_method",
    "shipping_quote",
    "ship_to",
    "payment_method",
    "po_number",
    "discount_code",
)


class CartRefused(QuoteRefused):
    """A cart change that cannot be made as asked; nothing was changed."""


class CartLine(PricedLine):
    id: int | None
    cart_id: int | None

    def __init__(self, line_number: int, priced: Priced, quantity: Decimal) -> None:
        self.line_number = line_number
        self.quantity = quantity
        self.margin_percent = self.discount_percent = None
        self._take(priced)

    def adjust(
        self,
        *,
        by: str,
        reason: str | None,
        unit_price: Decimal | None = None,
        margin_percent: Decimal | None = None,
        discount_percent: Decimal | None = None,
    ) -> None:
        """A price by hand, or a margin over cost, or a discount off list: one of them,
        always with a reason."""
        where = f"line {self.line_number}"
        given = [v for v in (unit_price, margin_percent, discount_percent) if v is not None]
        if len(given) != 1:
            raise CartRefused(f"{where}: give one of a price, a margin or a discount")
        if not reason or not reason.strip():
            raise CartRefused(f"{where}: a price adjustment needs a reason")
        if unit_price is not None:
            self.margin_percent = self.discount_percent = None
            self.set_price(unit_price, reason, by)
            return
        margin = percent(margin_percent, f"{where}: the margin")
        discount = percent(discount_percent, f"{where}: the discount")
        base = Priced(
            self.sku, self.description, self.uom, None, self.list_price, self.cost, "engine"
        )
        price, source = level_price(base, margin, discount)
        if price is None:
            missing = "cost" if margin is not None else "list price"
            raise CartRefused(f"{where}: {self.sku} has no {missing} to adjust from")
        self.margin_percent, self.discount_percent = margin, discount
        self.unit_price, self.price_source = price, source
        self.override_reason, self.override_by = reason.strip(), by


class CartTotals(NamedTuple):
    totals: Totals
    discount_code: str | None
    discount_refused: str | None  # why the cart's discount code does not apply now


class Cart:
    id: int | None
    lines: list[CartLine]

    def __init__(self, owner: str, customer_id: int, currency: str = "USD") -> None:
        now = datetime.now(UTC)
        self.owner = owner
        self.customer_id = customer_id
        self.currency = check_currency(currency)
        self.status = "open"
        self.shipping_method = None
        self.shipping_quote = None  # a carrier's rate for the method, instead of the ranges
        self.ship_to = None
        self.payment_method = None
        self.po_number = None
        self.discount_code = None
        self.submitted_as = None
        self.result_number = None
        self.submitted_at = None
        self.created_at = self.updated_at = now
        self.archived = False
        self.lines = []

    @property
    def open_lines(self) -> list[CartLine]:
        return [line for line in self.lines if line.status == OPEN]

    def require_open(self) -> None:
        if self.status != "open":
            raise CartRefused(
                f"cart {self.id} was submitted as {self.submitted_as} {self.result_number}"
            )

    def line(self, line_number: int) -> CartLine:
        found = next((line for line in self.lines if line.line_number == line_number), None)
        if found is None or found.status != OPEN:
            raise CartRefused(f"cart {self.id} has no line {line_number}")
        return found

    def add_line(self, priced: Priced, quantity: Decimal) -> CartLine:
        self.require_open()
        number = max((line.line_number for line in self.lines), default=0) + 1
        line = CartLine(number, priced, quantity_of(quantity, f"line {number}"))
        self.lines.append(line)
        self._touch()
        return line

    def change_quantity(self, line_number: int, quantity: Decimal) -> CartLine:
        self.require_open()
        line = self.line(line_number)
        line.quantity = quantity_of(quantity, f"line {line_number}")
        self._touch()
        return line

    def adjust_line(self, line_number: int, **adjustment) -> None:
        self.require_open()
        self.line(line_number).adjust(**adjustment)
        self._touch()

    def reprice_line(self, line_number: int, priced: Priced) -> None:
        """A changed quantity may reach another price break; adjustments stay."""
        line = self.line(line_number)
        if line.margin_percent is None and line.discount_percent is None:
            line.reprice(priced, None, None)
        else:
            line.list_price, line.cost = priced.list_price, priced.cost

    def remove_line(self, line_number: int) -> None:
        self.require_open()
        self.line(line_number).status = REMOVED
        self._touch()

    def set_details(self, **values) -> None:
        """shipping_method (with a carrier's shipping_quote), ship_to, payment_method,
        po_number, discount_code."""
        self.require_open()
        if values.get("payment_method") not in (None, *PAYMENT_METHODS):
            raise CartRefused(f"payment must be one of {', '.join(PAYMENT_METHODS)}")
        for name, value in values.items():
            if name not in DETAILS:
                raise CartRefused(f"a cart has no detail {name}")
            setattr(self, name, value)
        if "shipping_method" in values and "shipping_quote" not in values:
            self.shipping_quote = None  # a quote belongs to the method it was made for
        self._touch()

    def weight(self) -> Decimal:
        weights = [line.unit_weight * line.quantity for line in self.open_lines if line.unit_weight]
        return sum(weights, ZERO)

    def subtotal(self) -> Decimal:
        return sum((line.amount or ZERO for line in self.open_lines), ZERO)

    def totals(self, discount: Decimal, shipping: Decimal, tax: Decimal) -> Totals:
        lines = self.open_lines
        subtotal = self.subtotal()
        discount = min(cents(discount), subtotal)
        costs = [line.cost * line.quantity for line in lines if line.cost is not None]
        cost = sum(costs, ZERO) if lines and len(costs) == len(lines) else None
        total = subtotal - discount + cents(shipping) + cents(tax)
        return Totals(
            subtotal,
            discount,
            cents(shipping),
            cents(tax),
            total,
            cost,
            margin_of(subtotal - discount, cost),
            self.weight(),
        )

    def check_submittable(self) -> None:
        self.require_open()
        if not self.open_lines:
            raise CartRefused(f"cart {self.id} has no lines")
        unpriced = [str(line.line_number) for line in self.open_lines if line.unit_price is None]
        if unpriced:
            raise CartRefused(f"cart {self.id} line {', '.join(unpriced)} has no price")

    def submitted(self, kind: str, number: str, now: datetime) -> None:
        self.status = "quoted" if kind == "quote" else "ordered"
        self.submitted_as, self.result_number, self.submitted_at = kind, number, now
        self.updated_at = now

    def _touch(self) -> None:
        self.updated_at = datetime.now(UTC)
