"""Suppliers and purchase orders: how a sales order is fulfilled.

Each sales-order line (or a split of its quantity) is assigned to a supplier; the
lines for one supplier, one sales order and one way of shipping (to us, or drop-
shipped by the supplier or its manufacturer) group into one purchase order. A PO is
edited as a draft and frozen when sent; what the supplier confirms and ships is
recorded on it. The purchase price comes from the supplier's cost: the live price
its system quotes, else the catalogue cost, less the supplier's discount, plus its
freight; a manual cost needs a reason and records who set it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.canonical import DROPSHIP_MODES
from core.errors import OrderB2BError
from core.model.orders import Order, OrderLine

SUPPLIER_CHANNELS = ("email", "cxml", "x12")
SERVICE_KINDS = ("soap", "rest")
COUNTER = "purchase_order"
DRAFT, SENT, CONFIRMED, REJECTED = "draft", "sent", "confirmed", "rejected"
PARTIALLY_SHIPPED, SHIPPED, CANCELLED = "partially_shipped", "shipped", "cancelled"
STATES = (DRAFT, SENT, CONFIRMED, REJECTED, PARTIALLY_SHIPPED, SHIPPED, CANCELLED)
OPEN, REMOVED = "open", "removed"
CENT = Decimal("0.0001")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class PurchasingRefused(OrderB2BError):
    """A purchasing change that cannot be made as asked; nothing was changed."""


def format_number(value: int) -> str:
    return f"PO{value:07d}"


def _percent(name: str, value: Any) -> Decimal:
    value = Decimal(value if value is not None else 0)
    if not value.is_finite() or not ZERO <= value < HUNDRED:
        raise PurchasingRefused(f"{name} must be a percentage from 0 to below 100")
    return value


def _cost(value: Any) -> Decimal:
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise PurchasingRefused(f"a cost must be an amount of 0 or more, not {value}")
    return value


class Supplier:
    """Who we buy from, how POs reach them and how their system is asked for P&A."""

    id: int | None
    EDITABLE = (
        "name",
        "channel",
        "partner_code",
        "email",
        "service_kind",
        "service_url",
        "service_settings",
        "cache_minutes",
        "timeout_seconds",
        "discount_percent",
        "freight_percent",
        "currency",
        "archived",
    )

    def __init__(self, code: str, name: str, channel: str = "email", **values: Any) -> None:
        if not code or not _CODE.fullmatch(code):
            raise PurchasingRefused(f"supplier code {code!r}: letters, digits, . _ - only")
        self.code = code
        self.name = name
        self.channel = channel
        self.partner_code = self.email = None
        self.service_kind = self.service_url = None
        self.service_settings = {}
        self.service_secret = None
        self.cache_minutes = 15
        self.timeout_seconds = Decimal(2)
        self.discount_percent = self.freight_percent = ZERO
        self.currency = "USD"
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
        self.change(**values)
        self.change(name=name, channel=channel)

    def change(self, **values: Any) -> list[str]:
        unknown = set(values) - set(self.EDITABLE)
        if unknown:
            raise PurchasingRefused(f"a supplier has no {', '.join(sorted(unknown))}")
        checked = {name: _checked(name, value) for name, value in values.items()}
        changed = [name for name, value in checked.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, checked[name])
        self._check_channel()
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed

    def _check_channel(self) -> None:
        if self.channel in ("cxml", "x12") and not self.partner_code:
            raise PurchasingRefused(
                f"supplier {self.code} takes {self.channel} POs: name its trading partner"
            )
        if self.channel == "email" and not self.email:
            raise PurchasingRefused(f"supplier {self.code} takes POs by email: give its address")
        if self.service_kind and not self.service_url:
            raise PurchasingRefused(
                f"supplier {self.code}: its {self.service_kind} service needs a URL"
            )

    def purchase_cost(self, cost: Decimal) -> Decimal:
        """What a unit costs us: the supplier's cost less its discount plus freight."""
        net = cost * (1 - self.discount_percent / HUNDRED) * (1 + self.freight_percent / HUNDRED)
        return net.quantize(CENT, ROUND_HALF_UP)


def _checked(name: str, value: Any) -> Any:
    if name == "channel" and value not in SUPPLIER_CHANNELS:
        raise PurchasingRefused(f"channel must be one of {', '.join(SUPPLIER_CHANNELS)}")
    if name == "service_kind" and value is not None and value not in SERVICE_KINDS:
        raise PurchasingRefused(f"service kind must be one of {', '.join(SERVICE_KINDS)}")
    if name == "email" and value is not None and not _EMAIL.fullmatch(value):
        raise PurchasingRefused(f"{value!r} is not an email address")
    if name in ("discount_percent", "freight_percent"):
        return _percent(name.replace("_", " "), value)
    if name == "cache_minutes" and (not isinstance(value, int) or value < 0):
        raise PurchasingRefused("cache minutes must be a whole number of 0 or more")
    if name == "timeout_seconds":
        value = Decimal(value)
        if not Decimal("0.1") <= value <= Decimal(30):
            raise PurchasingRefused("the service timeout must be from 0.1 to 30 seconds")
    if name == "name" and not (value or "").strip():
        raise PurchasingRefused("a supplier needs a name")
    if name == "service_settings" and not isinstance(value, dict):
        raise PurchasingRefused("service settings must be an object")
    return value


class PurchaseOrderLine:
    id: int | None
    purchase_order_id: int | None

    def __init__(self, **values: Any) -> None:
        self.status = OPEN
        self.shipped_quantity = ZERO
        self.confirmed_status = self.confirmed_quantity = None
        self.override_reason = self.override_by = None
        for name, value in values.items():
            setattr(self, name, value)

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_cost

    @property
    def open_quantity(self) -> Decimal:
        return ZERO if self.status == REMOVED else max(self.quantity - self.shipped_quantity, ZERO)


class PurchaseOrderComment:
    id: int | None

    def __init__(self, text: str, author: str, sent_to_supplier: bool) -> None:
        self.text = text
        self.author = author
        self.sent_to_supplier = sent_to_supplier
        self.inbound_mail_id = None  # the message it came by, when the supplier wrote it
        self.created_at = datetime.now(UTC)


class PurchaseOrder:
    id: int | None
    lines: list[PurchaseOrderLine]
    comments: list[PurchaseOrderComment]

    def __init__(self, number: str, supplier: Supplier, order: Order, dropship: str | None):
        if dropship is not None and dropship not in DROPSHIP_MODES:
            raise PurchasingRefused(f"dropship must be one of {', '.join(DROPSHIP_MODES)}")
        self.number = number
        self.supplier_code = supplier.code
        self.order = order
        self.state = DRAFT
        self.channel = supplier.channel
        self.currency = supplier.currency
        self.dropship = dropship
        self.ship_to = dict(order.ship_to) if dropship and order.ship_to else None
        self.notes = None
        self.sent_at = self.confirmed_at = None
        self.confirmation_id = self.supplier_order_number = None
        self.outbound_document_id = None
        self.created_at = self.updated_at = datetime.now(UTC)
        self.archived = False
        self.lines = []
        self.comments = []

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.status == OPEN), ZERO)

    @property
    def open_lines(self) -> list[PurchaseOrderLine]:
        return [line for line in self.lines if line.status == OPEN]

    def add_line(
        self, line: OrderLine, quantity: Decimal, unit_cost: Decimal, **values
    ) -> PurchaseOrderLine:
        self._draft("take new lines")
        number = max((existing.line_number for existing in self.lines), default=0) + 1
        added = PurchaseOrderLine(
            line_number=number,
            order_line_id=line.id,
            sales_line_number=line.line_number,
            sku=line.supplier_part_id,
            description=line.description,
            manufacturer_part_id=line.manufacturer_part_id,
            manufacturer_name=line.manufacturer_name,
            quantity=quantity,
            unit_of_measure=line.unit_of_measure,
            unit_cost=unit_cost,
            **values,
        )
        self.lines.append(added)
        self._stamp()
        return added

    def line(self, number: int) -> PurchaseOrderLine:
        found = next((line for line in self.lines if line.line_number == number), None)
        if found is None or found.status == REMOVED:
            raise PurchasingRefused(f"{self.number} has no line {number}")
        return found

    def change_line(
        self,
        number: int,
        *,
        quantity: Decimal | None = None,
        unit_cost: Decimal | None = None,
        reason: str | None = None,
        actor: str,
        assignable: Decimal | None = None,
    ) -> PurchaseOrderLine:
        """Change a draft line's quantity (up to `assignable` more) or its cost (a
        manual cost needs a reason)."""
        self._draft("change")
        line = self.line(number)
        if quantity is not None:
            _positive(quantity, f"{self.number} line {number}")
            if assignable is not None and quantity - line.quantity > assignable:
                raise PurchasingRefused(
                    f"{self.number} line {number}: only {line.quantity + assignable}"
                    f" {line.unit_of_measure} of the sales line can be bought"
                )
            line.quantity = quantity
        if unit_cost is not None:
            override(line, unit_cost, reason, actor)
        self._stamp()
        return line

    def remove_line(self, number: int) -> PurchaseOrderLine:
        self._draft("lose lines")
        line = self.line(number)
        line.status = REMOVED
        self._stamp()
        return line

    def change(self, *, ship_to: dict | None = None, notes: str | None = None) -> None:
        self._draft("change")
        if ship_to is not None:
            self.ship_to = ship_to
        if notes is not None:
            self.notes = notes.strip() or None
        self._stamp()

    def comment(self, text: str, author: str, sent_to_supplier: bool) -> PurchaseOrderComment:
        text = (text or "").strip()
        if not text:
            raise PurchasingRefused("a comment needs some text")
        if len(text) > 10_000:
            raise PurchasingRefused("a comment is at most 10,000 characters")
        added = PurchaseOrderComment(text, author, sent_to_supplier)
        self.comments.append(added)
        return added

    def send(self, now: datetime) -> None:
        """Freeze the PO as it goes to the supplier."""
        self._draft("send")
        if not self.open_lines:
            raise PurchasingRefused(f"{self.number} has no lines to send")
        self.state = SENT
        self.sent_at = now
        self.order.purchase_orders_sent = True
        self._stamp()

    def cancel(self) -> None:
        if self.state not in (DRAFT, SENT, CONFIRMED, REJECTED):
            raise PurchasingRefused(
                f"{self.number} is {self.state.replace('_', ' ')}: too late to cancel"
            )
        self.state = CANCELLED
        self._stamp()

    def confirm(
        self,
        status: str,
        confirmation_id: str,
        supplier_order_number: str | None,
        now: datetime,
        lines: Iterable,
    ) -> None:
        """Record the supplier's confirmation: accepted, rejected or in detail."""
        if self.state in (DRAFT, CANCELLED):
            raise PurchasingRefused(f"{self.number} is {self.state}: it was not sent")
        by_number = {line.line_number: line for line in self.lines}
        for confirmed in lines:
            line = by_number.get(confirmed.line_number)
            if line is None:
                raise PurchasingRefused(f"{self.number} has no line {confirmed.line_number}")
            line.confirmed_status = confirmed.status
            line.confirmed_quantity = confirmed.quantity
        self.confirmation_id = confirmation_id
        self.supplier_order_number = supplier_order_number or self.supplier_order_number
        self.confirmed_at = now
        if self.state in (SENT, CONFIRMED, REJECTED):
            self.state = REJECTED if status == "reject" else CONFIRMED
        self._stamp()

    def shipped_quantities(self, quantities: dict[int, Decimal]) -> dict[int, Decimal]:
        """Check a shipment of `quantities` (per PO line) against what is open, and
        give the quantity per sales-order line number; nothing is changed."""
        if self.state in (DRAFT, CANCELLED):
            raise PurchasingRefused(f"{self.number} is {self.state}: nothing was sent to ship")
        by_number = {line.line_number: line for line in self.lines}
        sales: dict[int, Decimal] = {}
        for number, quantity in quantities.items():
            line = by_number.get(number)
            if line is None or line.status == REMOVED:
                raise PurchasingRefused(f"{self.number} has no line {number}")
            _positive(quantity, f"{self.number} line {number}")
            if quantity > line.open_quantity:
                raise PurchasingRefused(
                    f"{self.number} line {number}: {quantity} {line.unit_of_measure} shipped"
                    f" but only {line.open_quantity} open"
                )
            sales[line.sales_line_number] = sales.get(line.sales_line_number, ZERO) + quantity
        return sales

    def receive_shipment(self, quantities: dict[int, Decimal]) -> None:
        """Take a checked shipment (see shipped_quantities) off the open quantities."""
        self.shipped_quantities(quantities)
        by_number = {line.line_number: line for line in self.lines}
        for number, quantity in quantities.items():
            by_number[number].shipped_quantity += quantity
        done = not any(line.open_quantity for line in self.lines)
        self.state = SHIPPED if done else PARTIALLY_SHIPPED
        self._stamp()

    def _draft(self, what: str) -> None:
        if self.state != DRAFT:
            state = self.state.replace("_", " ")
            raise PurchasingRefused(f"{self.number} is {state}: only a draft PO can {what}")

    def _stamp(self) -> None:
        self.updated_at = datetime.now(UTC)


def override(line: PurchaseOrderLine, unit_cost: Any, reason: str | None, actor: str) -> None:
    if not (reason or "").strip():
        raise PurchasingRefused("a manual cost needs a reason")
    line.unit_cost = _cost(unit_cost)
    line.cost_source = "override"
    line.override_reason = reason.strip()
    line.override_by = actor


def _positive(quantity: Decimal, where: str) -> None:
    if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
        raise PurchasingRefused(f"{where}: the quantity must be a positive number")


def assignable_quantity(line: OrderLine, purchase_orders: Iterable[PurchaseOrder]) -> Decimal:
    """What of a sales line is not yet on a (not cancelled) purchase order."""
    if line.status == "removed":
        return ZERO
    taken = sum(
        (
            po_line.quantity
            for po in purchase_orders
            if po.state != CANCELLED
            for po_line in po.lines
            if po_line.order_line_id == line.id and po_line.status == OPEN
        ),
        ZERO,
    )
    return max(line.quantity - taken, ZERO)


def unit_cost_of(
    supplier: Supplier, live_price: Decimal | None, catalogue_cost: Decimal | None
) -> tuple[Decimal, str]:
    """The purchase price and where it came from: the supplier's live price, else
    its catalogue cost, less discount plus freight."""
    if live_price is not None:
        return supplier.purchase_cost(live_price), "live price"
    if catalogue_cost is not None:
        return supplier.purchase_cost(catalogue_cost), "supplier cost"
    raise PurchasingRefused(
        f"supplier {supplier.code} has no cost for this part: give the cost and a reason"
    )
