"""Bulk invoicing: every order ready for it invoiced at once, customer by customer,
by each customer's rule (or its group's, or the default setting).

Rules: "shipped" bills what has shipped and is not yet invoiced, partly shipped
orders too; "complete" bills an order only once all of it has shipped; "manual"
leaves the customer's orders to be invoiced by hand. Orders are read and written
as plain values (thousands per transaction); what an invoice bills is decided here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.model.invoices import (
    BULK,
    ISSUED,
    STANDARD,
    ZERO,
    InvoiceRefused,
    due_date,
    status_after_invoicing,
)

SHIPPED, COMPLETE, MANUAL = "shipped", "complete", "manual"
RULES = {
    SHIPPED: "bill what has shipped and is not yet invoiced, partial shipments too",
    COMPLETE: "bill an order once all of it has shipped",
    MANUAL: "never in bulk: the customer's orders are invoiced by hand",
}
RULE_SETTING = "invoices.bulk_rule"
DEFAULT_RULE = COMPLETE
NO_CUSTOMER = "(no customer)"


class InvoicingRule:
    """How bulk invoicing bills a customer, or every customer of a group."""

    id: int | None

    def __init__(
        self,
        rule: str,
        series: str | None = None,
        *,
        customer_id: int | None = None,
        group_id: int | None = None,
    ) -> None:
        if (customer_id is None) == (group_id is None):
            raise InvoiceRefused("a rule is for one customer or one customer group")
        self.rule = check_rule(rule)
        self.series = series
        self.customer_id = customer_id
        self.group_id = group_id
        self.created_at = self.updated_at = datetime.now(UTC)
        self.archived = False

    def change(self, rule: str, series: str | None) -> bool:
        rule = check_rule(rule)
        if (rule, series) == (self.rule, self.series) and not self.archived:
            return False
        self.rule, self.series, self.archived = rule, series, False
        self.updated_at = datetime.now(UTC)
        return True


def check_rule(rule: str) -> str:
    if rule not in RULES:
        raise InvoiceRefused(f"invoicing rule {rule!r} is not one of {', '.join(RULES)}")
    return rule


@dataclass(frozen=True)
class BillableLine:
    id: int
    line_number: int
    status: str
    quantity: Decimal
    shipped: Decimal
    invoiced: Decimal
    unit_of_measure: str
    unit_price: Decimal | None
    supplier_part_id: str | None = None
    buyer_part_id: str | None = None
    description: str | None = None

    @property
    def to_bill(self) -> Decimal:
        """Shipped and not yet invoiced."""
        if self.status == "removed":
            return ZERO
        return max(self.shipped - self.invoiced, ZERO)


@dataclass(frozen=True)
class BillableOrder:
    """An order as bulk invoicing reads it, with the rule its customer is billed by
    (None: the default) and whether it was invoiced before."""

    id: int
    number: str
    status: str
    currency: str
    lines: tuple[BillableLine, ...]
    customer: str | None = None
    customer_name: str | None = None
    rule: str | None = None
    series: str | None = None
    invoiced_before: bool = False
    hold_reason: str | None = None
    bill_to: dict | None = None
    net_days: int | None = None
    shipping_amount: Decimal = ZERO
    tax_amount: Decimal = ZERO
    discount_amount: Decimal = ZERO

    @property
    def fully_shipped(self) -> bool:
        return all(x.shipped >= x.quantity for x in self.lines if x.status != "removed")


@dataclass(frozen=True)
class Skipped:
    order_number: str
    customer: str | None
    reason: str


@dataclass(frozen=True)
class PlannedInvoice:
    order: BillableOrder
    quantities: dict[int, Decimal]  # by order line number
    series: str

    @property
    def subtotal(self) -> Decimal:
        by_number = {line.line_number: line for line in self.order.lines}
        return sum((by_number[n].unit_price * q for n, q in self.quantities.items()), ZERO)

    @property
    def charges(self) -> tuple[Decimal, Decimal, Decimal]:
        """Shipping, tax and discount: billed on an order's first invoice only."""
        if self.order.invoiced_before:
            return ZERO, ZERO, ZERO
        order = self.order
        return order.shipping_amount, order.tax_amount, order.discount_amount

    @property
    def total(self) -> Decimal:
        shipping, tax, discount = self.charges
        return self.subtotal + shipping + tax - discount


def plan(order: BillableOrder, default_rule: str, series: str) -> PlannedInvoice | Skipped | None:
    """What to bill of an order now (numbered in `series`), why not, or None when
    nothing is ready."""
    to_bill = {line.line_number: line.to_bill for line in order.lines if line.to_bill > 0}
    if not to_bill:
        return None
    rule = order.rule or default_rule
    why = _reason_to_skip(order, rule, to_bill)
    if why:
        return Skipped(order.number, order.customer, why)
    return PlannedInvoice(order, to_bill, series)


def _reason_to_skip(order: BillableOrder, rule: str, to_bill: dict[int, Decimal]) -> str | None:
    if order.status == "on_hold":
        return f"on hold: {order.hold_reason or 'no reason given'}"
    if order.status not in ("partially_shipped", "shipped"):
        return f"the order is {order.status}"
    if rule == MANUAL:
        return "the customer is invoiced by hand (rule manual)"
    if rule == COMPLETE and not order.fully_shipped:
        return "not all of it has shipped (rule complete)"
    unpriced = [
        str(line.line_number)
        for line in order.lines
        if line.line_number in to_bill and line.unit_price is None
    ]
    if unpriced:
        return f"line {', '.join(unpriced)} has no unit price"
    return None


@dataclass(frozen=True)
class NewInvoice:
    """An invoice to write, as column values, and what it does to its order."""

    values: dict[str, Any]
    lines: list[dict[str, Any]]
    invoiced: dict[int, tuple[Decimal, Decimal]]  # order line id: (before, after)
    status: tuple[str, str] | None  # the order's status (before, after) when it changes
    planned: PlannedInvoice


def new_invoice(planned: PlannedInvoice, number: str, now: datetime) -> NewInvoice:
    order = planned.order
    shipping, tax, discount = planned.charges
    values = {
        "number": number,
        "series": planned.series,
        "order_id": order.id,
        "purpose": STANDARD,
        "credits_invoice_id": None,
        "state": ISSUED,
        "origin": BULK,
        "invoice_date": now,
        "due_date": due_date(now, order.net_days),
        "currency": order.currency,
        "bill_to": order.bill_to,
        "shipping_amount": shipping,
        "tax_amount": tax,
        "discount_amount": discount,
        "net_days": order.net_days,
        "comments": None,
        "sent_at": None,
        "sent_via": None,
        "sent_to": None,
        "attachment_id": None,
        "created_at": now,
        "updated_at": now,
        "archived": False,
    }
    lines, invoiced = [], {}
    for line in order.lines:
        quantity = planned.quantities.get(line.line_number)
        if quantity is None:
            continue
        lines.append(_line_values(line, quantity))
        invoiced[line.id] = (line.invoiced, line.invoiced + quantity)
    after = [
        (x.status, x.quantity, x.shipped, invoiced.get(x.id, (x.invoiced, x.invoiced))[1])
        for x in order.lines
    ]
    status = status_after_invoicing(order.status, after)
    changed = (order.status, status) if status != order.status else None
    return NewInvoice(values, lines, invoiced, changed, planned)


def _line_values(line: BillableLine, quantity: Decimal) -> dict[str, Any]:
    return {
        "line_number": line.line_number,
        "order_line_id": line.id,
        "quantity": quantity,
        "unit_of_measure": line.unit_of_measure,
        "unit_price": line.unit_price,
        "supplier_part_id": line.supplier_part_id,
        "buyer_part_id": line.buyer_part_id,
        "description": line.description,
        "status": "active",
    }


@dataclass
class CustomerResult:
    customer: str
    name: str | None
    orders: int = 0
    invoices: int = 0
    skipped: int = 0
    totals: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "name": self.name,
            "orders": self.orders,
            "invoices": self.invoices,
            "skipped": self.skipped,
            "totals": {currency: format(total, "f") for currency, total in self.totals.items()},
        }


@dataclass
class BulkReport:
    """What a bulk run did (or, dry, would do): per customer, the invoices by series
    and the orders skipped with why."""

    dry_run: bool
    considered: int = 0
    customers: dict[str, CustomerResult] = field(default_factory=dict)
    numbers: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    skipped: list[Skipped] = field(default_factory=list)
    stopped: str | None = None
    seconds: float = 0.0

    @property
    def invoices(self) -> int:
        return sum(result.invoices for result in self.customers.values())

    def invoiced(self, planned: PlannedInvoice, number: str | None) -> None:
        order = planned.order
        result = self._customer(order.customer, order.customer_name)
        result.orders += 1
        result.invoices += 1
        result.totals[order.currency] += planned.total
        if number is not None:
            self.numbers[planned.series].append(number)

    def skip(self, skipped: Skipped, name: str | None = None) -> None:
        self._customer(skipped.customer, name).skipped += 1
        self.skipped.append(skipped)

    def _customer(self, code: str | None, name: str | None) -> CustomerResult:
        key = code or NO_CUSTOMER
        if key not in self.customers:
            self.customers[key] = CustomerResult(key, name)
        elif name and not self.customers[key].name:
            self.customers[key].name = name
        return self.customers[key]

    def as_dict(self) -> dict[str, Any]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for result in self.customers.values():
            for currency, total in result.totals.items():
                totals[currency] += total
        return {
            "dry_run": self.dry_run,
            "orders_considered": self.considered,
            "invoices": self.invoices,
            "skipped": len(self.skipped),
            "totals": {currency: format(total, "f") for currency, total in totals.items()},
            "series": {
                series: {"count": len(numbers), "first": min(numbers), "last": max(numbers)}
                for series, numbers in self.numbers.items()
                if numbers
            },
            "customers": [
                result.as_dict()
                for _, result in sorted(self.customers.items(), key=lambda item: item[0])
            ],
            "skipped_orders": [
                {"order": s.order_number, "customer": s.customer, "reason": s.reason}
                for s in self.skipped
            ],
            "stopped": self.stopped,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class BulkProgress:
    done: int
    total: int
    invoices: int
    skipped: int
    seconds: float

    @property
    def rate(self) -> float:
        """Orders looked at per second."""
        return self.done / self.seconds if self.seconds > 0 else 0.0
