"""Invoices: an order's lines billed at the ordered prices, numbered without gaps.

An invoice bills every quantity not yet invoiced, or only what has shipped and
not yet been invoiced. The order's shipping, tax and discount go on its first
invoice only. The order is invoiced once every line is invoiced in full.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.canonical import Address, CanonicalOrder
from core.canonical import Invoice as CanonicalInvoice
from core.canonical import InvoiceLine as CanonicalInvoiceLine
from core.errors import OrderB2BError
from core.model.orders import Order, OrderLine
from core.model.shipments import utc

DEFAULT_SERIES = "INV"
STANDARD, CREDIT = "standard", "credit"  # purposes: an invoice, or a credit note
DRAFT, ISSUED, SENT = "draft", "issued", "sent"  # states; a numbered invoice is issued
ZERO = Decimal(0)


class InvoiceRefused(OrderB2BError):
    """An invoice that cannot be made as asked; nothing was changed."""


class NothingToInvoice(InvoiceRefused):
    pass


def counter_name(series: str) -> str:
    return f"invoice:{series}"


def format_number(series: str, value: int) -> str:
    return f"{series}{value:07d}"


def uninvoiced_quantity(line: OrderLine, *, shipped_only: bool) -> Decimal:
    """What of a line may be billed now: shipped or ordered, less what was invoiced."""
    if line.status == "removed":
        return ZERO
    billable = line.shipped_quantity if shipped_only else line.quantity
    return max(billable - line.invoiced_quantity, ZERO)


class InvoiceLine:
    id: int | None
    invoice_id: int | None

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def billing(cls, line: OrderLine, quantity: Decimal) -> InvoiceLine:
        return cls(
            line_number=line.line_number,
            order_line_id=line.id,
            quantity=quantity,
            unit_of_measure=line.unit_of_measure,
            unit_price=line.unit_price,
            supplier_part_id=line.supplier_part_id,
            buyer_part_id=line.buyer_part_id,
            description=line.description,
        )

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price

    def to_canonical(self) -> CanonicalInvoiceLine:
        return CanonicalInvoiceLine(
            line_number=self.line_number,
            quantity=self.quantity,
            unit_of_measure=self.unit_of_measure,
            unit_price=self.unit_price,
            supplier_part_id=self.supplier_part_id,
            buyer_part_id=self.buyer_part_id,
            description=self.description,
        )


class Invoice:
    id: int | None
    lines: list[InvoiceLine]

    def __init__(self, number: str, series: str, order: Order, invoice_date: datetime) -> None:
        now = datetime.now(UTC)
        self.number = number
        self.series = series
        self.order = order
        self.purpose = STANDARD
        self.credits_invoice_id = None
        self.state = ISSUED
        self.invoice_date = invoice_date
        self.currency = order.currency
        self.bill_to = dict(order.bill_to) if order.bill_to else None
        self.shipping_amount = self.tax_amount = self.discount_amount = ZERO
        self.net_days = (order.payment or {}).get("net_days")
        self.comments = None
        self.created_at = self.updated_at = now
        self.archived = False
        self.lines = []

    @classmethod
    def bill(
        cls,
        number: str,
        series: str,
        order: Order,
        *,
        shipped_only: bool,
        first: bool,
        invoice_date: datetime | None = None,
        comments: str | None = None,
    ) -> Invoice:
        """Invoice what `order` has not been invoiced for (of it, only what has
        shipped when `shipped_only`); the first invoice of an order also bills its
        shipping, tax and discount. Refused, with nothing changed, when there is
        nothing to invoice."""
        if invoice_date is not None and invoice_date.tzinfo is None:
            raise InvoiceRefused("the invoice date needs a UTC offset")
        quantities = invoice_quantities(order, shipped_only=shipped_only)
        invoice = cls(number, series, order, (invoice_date or datetime.now(UTC)).astimezone(UTC))
        invoice.comments = comments
        if first:
            invoice.shipping_amount = order.shipping_amount or ZERO
            invoice.tax_amount = order.tax_amount or ZERO
            invoice.discount_amount = order.discount_amount or ZERO
        by_number = {line.line_number: line for line in order.lines}
        for line_number, quantity in sorted(quantities.items()):
            line = by_number[line_number]
            line.invoiced_quantity += quantity
            invoice.lines.append(InvoiceLine.billing(line, quantity))
        _follow_invoicing(order)
        return invoice

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_amount + self.tax_amount - self.discount_amount

    def to_canonical(self, order: CanonicalOrder, supplier_order_number: str) -> CanonicalInvoice:
        """The invoice in the form the outbound renderers read."""
        return CanonicalInvoice(
            order=order,
            invoice_number=self.number,
            supplier_order_number=supplier_order_number,
            invoice_date=utc(self.invoice_date),
            currency=self.currency,
            lines=tuple(line.to_canonical() for line in self.lines),
            shipping_amount=self.shipping_amount,
            tax_amount=self.tax_amount,
            discount_amount=self.discount_amount,
            purpose=self.purpose,
            bill_to=_address(self.bill_to),
            net_days=self.net_days,
            comments=self.comments,
        )


def invoice_quantities(order: Order, *, shipped_only: bool) -> dict[int, Decimal]:
    """The quantity to invoice per line number; refused when there is none, or a
    line to bill has no price."""
    if order.status in ("cancelled", "on_hold"):
        state = "on hold" if order.status == "on_hold" else "cancelled"
        raise InvoiceRefused(f"order {order.number} is {state}")
    quantities = {
        line.line_number: quantity
        for line in order.lines
        if (quantity := uninvoiced_quantity(line, shipped_only=shipped_only)) > 0
    }
    if not quantities:
        what = "shipped and not yet invoiced" if shipped_only else "left to invoice"
        raise NothingToInvoice(f"order {order.number} has nothing {what}")
    unpriced = [
        line.line_number
        for line in order.lines
        if line.line_number in quantities and line.unit_price is None
    ]
    if unpriced:
        raise InvoiceRefused(
            f"order {order.number} line {', '.join(map(str, unpriced))} has no unit price"
        )
    return quantities


def _follow_invoicing(order: Order) -> None:
    billed_in_full = all(uninvoiced_quantity(line, shipped_only=False) == 0 for line in order.lines)
    if billed_in_full and order.status != "closed":
        order.status = "invoiced"
    order.updated_at = datetime.now(UTC)


def _address(values: dict[str, Any] | None) -> Address | None:
    if not values:
        return None
    stored = dict(values)
    stored["deliver_to"] = tuple(stored.get("deliver_to") or ())
    stored["street"] = tuple(stored.get("street") or ())
    return Address(**stored)
