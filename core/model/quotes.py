"""Quotes: offers to a customer in numbered versions. A version is edited as a draft
and frozen when it is sent, with the PDF the customer received; a change after that
is a new version. A sent version can be turned into an order once.

Prices come from the pricing engine; a version may instead price every line at a
margin over cost or a discount off list, and a line may carry a manual price, which
needs a reason and records who set it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from core.errors import OrderB2BError

STATUSES = ("draft", "sent", "accepted", "ordered", "declined", "expired", "cancelled")
DRAFT, SENT = "draft", "sent"  # the states of a version
OPEN, REMOVED = "open", "removed"  # the states of a line
# Staff actions on a quote's status, and the statuses each may start from.
ACTIONS = {
    "accept": ("accepted", ("sent",)),
    "decline": ("declined", ("draft", "sent", "accepted")),
    "expire": ("expired", ("sent", "accepted")),
    "cancel": ("cancelled", ("draft", "sent", "accepted")),
}
EDITABLE = frozenset({"draft", "sent", "accepted"})
DEFAULT_KIND = "commercial"
KIND = re.compile(r"[a-z0-9][a-z0-9_]{0,31}")
CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_QUANTITY = Decimal("1000000000")


class QuoteRefused(OrderB2BError):
    """A quote change that cannot be made as asked; nothing was changed."""


class VersionFrozen(QuoteRefused):
    """A sent version never changes: make a new version instead."""


def format_number(value: int) -> str:
    return f"Q{value:06d}"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


class Priced(NamedTuple):
    """What the pricing engine says about a product for one customer and quantity."""

    sku: str
    description: str | None
    unit_of_measure: str
    unit_price: Decimal | None
    list_price: Decimal | None
    cost: Decimal | None
    source: str
    unit_weight: Decimal | None = None


class CustomerFacts(NamedTuple):
    """What quotes, carts and RFQs need to know of a customer."""

    id: int
    code: str
    name: str
    email: str | None
    phone: str | None
    status: str | None
    group_id: int | None
    net_terms_days: int | None
    tax_exempt: bool
    contact_name: str | None = None
    ship_to: dict | None = None
    bill_to: dict | None = None


class DiscountCheck(NamedTuple):
    """Whether a discount code takes money off an order now, and how much."""

    code: str
    amount: Decimal
    refused: str | None = None  # why it does not apply


def percent(value: Decimal | None, name: str) -> Decimal | None:
    """A percentage from 0 up to (not including) 100, or None."""
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or not ZERO <= value < HUNDRED:
        raise QuoteRefused(f"{name} must be a percentage from 0 up to 100")
    return value


def quantity_of(value: Any, where: str) -> Decimal:
    try:
        quantity = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        quantity = None
    if quantity is None or not quantity.is_finite() or not ZERO < quantity <= MAX_QUANTITY:
        raise QuoteRefused(f"{where}: the quantity must be a number above 0")
    return quantity


def manual_price(value: Decimal, reason: str | None, where: str) -> tuple[Decimal, str]:
    """A price set by hand: not negative, and always with the reason why."""
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise QuoteRefused(f"{where}: the price must be an amount of 0 or more")
    if not reason or not reason.strip():
        raise QuoteRefused(f"{where}: a manual price needs a reason")
    return cents(value), reason.strip()


def level_price(
    priced: Priced, margin_percent: Decimal | None, discount_percent: Decimal | None
) -> tuple[Decimal | None, str]:
    """The engine's price, or a margin over cost, or a discount off list. A level that
    cannot be applied (no cost, no list price) leaves the engine's price, and says so."""
    if margin_percent is not None:
        if priced.cost is None:
            return priced.unit_price, f"{priced.source} (no cost for margin)"
        return cents(priced.cost / (1 - margin_percent / HUNDRED)), f"margin:{margin_percent}"
    if discount_percent is not None:
        if priced.list_price is None:
            return priced.unit_price, f"{priced.source} (no list price for discount)"
        return (
            cents(priced.list_price * (1 - discount_percent / HUNDRED)),
            f"discount:{discount_percent}",
        )
    return priced.unit_price, priced.source


def margin_of(revenue: Decimal, cost: Decimal | None) -> Decimal | None:
    """Gross margin as a percentage of revenue, to two places; None without both."""
    if cost is None or revenue <= 0:
        return None
    return cents((revenue - cost) / revenue * HUNDRED)


def check_kind(kind: str | None) -> str:
    kind = (kind or DEFAULT_KIND).strip().lower()
    if not KIND.fullmatch(kind):
        raise QuoteRefused(
            f"version kind {kind!r}: a short name of letters, digits and _ (e.g. commercial, gsa)"
        )
    return kind


class PricedLine:
    """A line priced by the engine, a level, or by hand (with who and why)."""

    line_number: int
    quantity: Decimal
    unit_price: Decimal | None
    override_reason: str | None

    def _take(self, priced: Priced) -> None:
        self.sku = priced.sku
        self.description = priced.description
        self.uom = priced.unit_of_measure
        self.unit_price = priced.unit_price
        self.list_price = priced.list_price
        self.cost = priced.cost
        self.unit_weight = priced.unit_weight
        self.price_source = priced.source
        self.override_reason = None
        self.override_by = None
        self.status = OPEN

    @property
    def amount(self) -> Decimal | None:
        return None if self.unit_price is None else cents(self.unit_price * self.quantity)

    @property
    def overridden(self) -> bool:
        return self.override_reason is not None

    def priced(self) -> Priced:
        """The line's product and price as it stands."""
        return Priced(
            self.sku,
            self.description,
            self.uom,
            self.unit_price,
            self.list_price,
            self.cost,
            self.price_source,
            self.unit_weight,
        )

    def set_price(self, unit_price: Decimal, reason: str, by: str) -> None:
        self.unit_price, self.override_reason = manual_price(
            unit_price, reason, f"line {self.line_number}"
        )
        self.override_by = by
        self.price_source = "override"

    def reprice(self, priced: Priced, margin: Decimal | None, discount: Decimal | None) -> None:
        """The engine's (or a level's) price again; a manual price stays."""
        self.list_price, self.cost = priced.list_price, priced.cost
        if priced.unit_weight is not None:
            self.unit_weight = priced.unit_weight
        if not self.overridden:
            self.unit_price, self.price_source = level_price(priced, margin, discount)


class QuoteLine(PricedLine):
    id: int | None
    version_id: int | None

    def __init__(self, line_number: int, priced: Priced, quantity: Decimal) -> None:
        self.line_number = line_number
        self.quantity = quantity
        self._take(priced)

    def copy(self) -> QuoteLine:
        copied = QuoteLine(self.line_number, self.priced(), self.quantity)
        copied.override_reason, copied.override_by = self.override_reason, self.override_by
        return copied


_LINE_CONTENT = ("line_number", "sku", "description", "quantity", "uom", "unit_price", "status")
_VERSION_CONTENT = (
    "version_number",
    "kind",
    "margin_percent",
    "discount_percent",
    "shipping_method",
    "shipping_amount",
    "tax_amount",
    "subtotal",
    "total",
    "ship_to",
    "notes",
)


class Totals(NamedTuple):
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    cost: Decimal | None
    margin_percent: Decimal | None
    weight: Decimal


class QuoteVersion:
    id: int | None
    quote_id: int | None
    lines: list[QuoteLine]

    def __init__(self, version_number: int, kind: str = DEFAULT_KIND) -> None:
        now = datetime.now(UTC)
        self.version_number = version_number
        self.kind = check_kind(kind)
        self.status = DRAFT
        self.margin_percent = self.discount_percent = None
        self.shipping_method = None
        self.shipping_amount = self.tax_amount = self.subtotal = self.total = ZERO
        self.ship_to = None
        self.notes = None
        self.sent_at = self.sent_by = self.sent_to = None
        self.pdf = self.pdf_sha256 = None
        self.created_at = self.updated_at = now
        self.archived = False
        self.lines = []

    @property
    def frozen(self) -> bool:
        return self.status == SENT

    @property
    def open_lines(self) -> list[QuoteLine]:
        return [line for line in self.lines if line.status == OPEN]

    def require_draft(self) -> None:
        if self.frozen:
            raise VersionFrozen(
                f"version {self.version_number} was sent on {self.sent_at:%Y-%m-%d} and can no"
                " longer change; make a new version"
            )

    def line(self, line_number: int) -> QuoteLine:
        found = next((line for line in self.lines if line.line_number == line_number), None)
        if found is None or found.status != OPEN:
            raise QuoteRefused(f"version {self.version_number} has no line {line_number}")
        return found

    def add_line(self, priced: Priced, quantity: Decimal) -> QuoteLine:
        self.require_draft()
        number = max((line.line_number for line in self.lines), default=0) + 1
        line = QuoteLine(number, priced, quantity_of(quantity, f"line {number}"))
        line.reprice(priced, self.margin_percent, self.discount_percent)
        self.lines.append(line)
        self._touch()
        return line

    def change_quantity(self, line_number: int, quantity: Decimal) -> QuoteLine:
        self.require_draft()
        line = self.line(line_number)
        line.quantity = quantity_of(quantity, f"line {line_number}")
        self._touch()
        return line

    def set_price(self, line_number: int, unit_price: Decimal, reason: str, by: str) -> None:
        self.require_draft()
        self.line(line_number).set_price(unit_price, reason, by)
        self._touch()

    def remove_line(self, line_number: int) -> None:
        self.require_draft()
        self.line(line_number).status = REMOVED
        self._touch()

    def set_level(self, margin_percent: Decimal | None, discount_percent: Decimal | None) -> None:
        """Price every line at a margin over cost or a discount off list (not both),
        or, with neither, at the engine's prices. Lines are repriced by the caller."""
        self.require_draft()
        if margin_percent is not None and discount_percent is not None:
            raise QuoteRefused("a version has a margin or a discount level, not both")
        self.margin_percent = percent(margin_percent, "the margin")
        self.discount_percent = percent(discount_percent, "the discount")
        self._touch()

    def set_terms(self, **values: Any) -> None:
        """kind, shipping_method, ship_to, notes: the version's printed terms."""
        self.require_draft()
        if "kind" in values:
            values["kind"] = check_kind(values["kind"])
        for name, value in values.items():
            if name not in ("kind", "shipping_method", "ship_to", "notes"):
                raise QuoteRefused(f"a version has no term {name}")
            setattr(self, name, value)
        self._touch()

    def weight(self) -> Decimal:
        weights = [line.unit_weight * line.quantity for line in self.open_lines if line.unit_weight]
        return sum(weights, ZERO)

    def recalculate(self, shipping: Decimal | None, tax: Decimal) -> Totals:
        """Set the totals from the lines, the shipping price and the tax given."""
        self.require_draft()
        totals = self.totals(shipping, tax)
        self.subtotal, self.shipping_amount = totals.subtotal, totals.shipping
        self.tax_amount, self.total = totals.tax, totals.total
        return totals

    def totals(self, shipping: Decimal | None = None, tax: Decimal | None = None) -> Totals:
        """The totals with the shipping and tax given, or those kept on the version."""
        lines = self.open_lines
        subtotal = sum((line.amount or ZERO for line in lines), ZERO)
        costs = [line.cost * line.quantity for line in lines if line.cost is not None]
        cost = sum(costs, ZERO) if lines and len(costs) == len(lines) else None
        shipping = cents(shipping if shipping is not None else self.shipping_amount or ZERO)
        tax = cents(tax if tax is not None else self.tax_amount or ZERO)
        total = subtotal + shipping + tax
        return Totals(
            subtotal, ZERO, shipping, tax, total, cost, margin_of(subtotal, cost), self.weight()
        )

    def check_sendable(self) -> None:
        self.require_draft()
        if not self.open_lines:
            raise QuoteRefused(f"version {self.version_number} has no lines to send")
        unpriced = [str(line.line_number) for line in self.open_lines if line.unit_price is None]
        if unpriced:
            raise QuoteRefused(
                f"version {self.version_number} line {', '.join(unpriced)} has no price yet"
            )

    def freeze(self, pdf: bytes, by: str, to: str | None, now: datetime) -> None:
        """Sent: the PDF the customer got is kept with its SHA-256, and nothing changes."""
        self.check_sendable()
        self.status = SENT
        self.sent_at, self.sent_by, self.sent_to = now, by, to
        self.pdf = pdf
        self.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        self.updated_at = now

    def content_key(self) -> str:
        """A digest of what a printed version shows: a PDF rendered from the version
        is frozen with it only if the version has not changed since."""
        content = {name: getattr(self, name) for name in _VERSION_CONTENT}
        content["lines"] = [[getattr(line, name) for name in _LINE_CONTENT] for line in self.lines]
        text = json.dumps(content, sort_keys=True, default=_plain)
        return hashlib.sha256(text.encode()).hexdigest()

    def copy(self, version_number: int, kind: str | None = None) -> QuoteVersion:
        """A new draft with this version's terms and open lines, priced as they were."""
        copied = QuoteVersion(version_number, kind or self.kind)
        copied.margin_percent, copied.discount_percent = self.margin_percent, self.discount_percent
        copied.shipping_method = self.shipping_method
        copied.ship_to = dict(self.ship_to) if self.ship_to else None
        copied.notes = self.notes
        copied.lines = [line.copy() for line in self.open_lines]
        copied.subtotal, copied.total = self.subtotal, self.total
        copied.shipping_amount, copied.tax_amount = self.shipping_amount, self.tax_amount
        return copied

    def _touch(self) -> None:
        self.updated_at = datetime.now(UTC)


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


class Quote:
    id: int | None
    versions: list[QuoteVersion]

    def __init__(
        self,
        number: str,
        customer_id: int,
        owner: str,
        valid_until: date,
        *,
        currency: str = "USD",
        notes: str | None = None,
    ) -> None:
        now = datetime.now(UTC)
        self.number = number
        self.customer_id = customer_id
        self.status = "draft"
        self.owner = owner
        self.valid_until = valid_until
        self.currency = check_currency(currency)
        self.notes = notes
        self.created_at = self.updated_at = now
        self.archived = False
        self.versions = []

    def require_editable(self) -> None:
        if self.status not in EDITABLE:
            raise QuoteRefused(f"quote {self.number} is {self.status} and can no longer change")

    def version(self, number: int | None = None) -> QuoteVersion:
        """A version by number; the latest without one."""
        if not self.versions:
            raise QuoteRefused(f"quote {self.number} has no version yet")
        if number is None:
            return max(self.versions, key=lambda v: v.version_number)
        found = next((v for v in self.versions if v.version_number == number), None)
        if found is None:
            raise QuoteRefused(f"quote {self.number} has no version {number}")
        return found

    def editable_version(self, number: int) -> QuoteVersion:
        self.require_editable()
        version = self.version(number)
        version.require_draft()
        return version

    def new_version(self, kind: str | None = None, copy_from: int | None = None) -> QuoteVersion:
        """The next version: empty, or a draft copy of version `copy_from`."""
        self.require_editable()
        number = max((v.version_number for v in self.versions), default=0) + 1
        if copy_from is None:
            version = QuoteVersion(number, kind or DEFAULT_KIND)
        else:
            version = self.version(copy_from).copy(number, kind)
        self.versions.append(version)
        self._touch()
        return version

    def latest_sent(self) -> QuoteVersion | None:
        sent = [v for v in self.versions if v.frozen]
        return max(sent, key=lambda v: v.version_number) if sent else None

    def mark_sent(self, version: QuoteVersion) -> None:
        self.require_editable()
        if version.frozen and self.status != "sent":
            self.status = "sent"
        self._touch()

    def act(self, action: str, today: date) -> None:
        """A staff action on the status: accept, decline, expire or cancel."""
        if action not in ACTIONS:
            raise QuoteRefused(f"no quote action {action!r}; one of {', '.join(ACTIONS)}")
        status, sources = ACTIONS[action]
        if self.status not in sources:
            raise QuoteRefused(f"quote {self.number} is {self.status}; it cannot be {status}")
        if action == "accept":
            self._require_valid(today)
        self.status = status
        self._touch()

    def set_valid_until(self, valid_until: date) -> None:
        self.require_editable()
        self.valid_until = valid_until
        self._touch()

    def set_notes(self, notes: str | None) -> None:
        self.require_editable()
        self.notes = notes
        self._touch()

    def version_to_order(self, number: int | None, today: date) -> QuoteVersion:
        """The sent version an order is made from: the latest sent unless named, and
        only while the quote is open and valid. The quote is then ordered."""
        if self.status not in ("sent", "accepted"):
            raise QuoteRefused(f"quote {self.number} is {self.status}; it cannot become an order")
        latest = self.latest_sent()
        version = latest if number is None else self.version(number)
        if version is None or not version.frozen:
            raise QuoteRefused(f"quote {self.number}: only a sent version can become an order")
        if version is not latest:
            raise QuoteRefused(
                f"quote {self.number} version {version.version_number} was replaced by"
                f" version {latest.version_number}"
            )
        self._require_valid(today)
        self.status = "ordered"
        self._touch()
        return version

    def _require_valid(self, today: date) -> None:
        if self.valid_until is not None and today > self.valid_until:
            raise QuoteRefused(f"quote {self.number} expired on {self.valid_until.isoformat()}")

    def _touch(self) -> None:
        self.updated_at = datetime.now(UTC)


def check_currency(currency: str | None) -> str:
    currency = (currency or "USD").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise QuoteRefused(f"currency {currency!r} is not an ISO 4217 code such as USD")
    return currency


PAYMENT_METHODS = ("net_terms", "purchase_order", "card_on_file")


def payment_terms(method: str | None, po_number: str | None, customer: CustomerFacts) -> dict:
    """How an order from a quote or a cart is paid, as the order keeps it. Net terms
    only for a customer who has them; a purchase order needs its number; a card on
    file is recorded as chosen, never charged here."""
    if method == "net_terms":
        if not customer.net_terms_days:
            raise QuoteRefused(f"customer {customer.code} has no net terms")
        days = customer.net_terms_days
        return {"method": "net_terms", "net_days": days, "terms": f"Net {days}"}
    if method == "purchase_order":
        po = (po_number or "").strip()
        if not po or len(po) > 64 or not po.isprintable():
            raise QuoteRefused("a purchase order needs its number (up to 64 characters)")
        return {"method": "purchase_order", "terms": f"PO {po}"}
    if method == "card_on_file":
        return {"method": "card_on_file", "terms": "card on file (chosen; charged separately)"}
    raise QuoteRefused(f"payment must be one of {', '.join(PAYMENT_METHODS)}")


def payment_choices(customer: CustomerFacts) -> tuple[str, ...]:
    """The payment methods a customer may choose."""
    return tuple(m for m in PAYMENT_METHODS if m != "net_terms" or customer.net_terms_days)
