"""The canonical order: the one model every channel adapter produces.

Money and quantities are Decimal, part numbers are strings, dates are ISO.
`to_dict` gives the JSON form described by schemas/canonical/order.schema.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

CHANNELS = ("cxml", "mws", "spapi", "newegg", "x12", "email", "quote", "manual")
CHANGE_KINDS = ("new", "update", "cancel")
PAYMENT_METHODS = ("card", "net_terms", "paypal", "prepaid", "other")


@dataclass(frozen=True, slots=True)
class Contact:
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    name: str | None = None
    address_id: str | None = None
    deliver_to: tuple[str, ...] = ()
    street: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """How the buyer pays. A card keeps its brand and last four digits only."""

    method: str
    card_brand: str | None = None
    card_last4: str | None = None
    card_expiration: str | None = None  # YYYY-MM
    net_days: int | None = None
    terms: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_number: int
    quantity: Decimal
    unit_of_measure: str
    unit_price: Decimal | None = None
    currency: str | None = None
    buyer_part_id: str | None = None
    supplier_part_id: str | None = None
    supplier_part_aux_id: str | None = None
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    description: str | None = None
    classification: dict[str, str] = field(default_factory=dict)
    requested_delivery_date: date | None = None
    comments: str | None = None
    extrinsics: dict[str, str] = field(default_factory=dict)

    @property
    def extended_price(self) -> Decimal | None:
        if self.unit_price is None:
            return None
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class CanonicalOrder:
    channel: str
    partner: str
    external_order_id: str
    order_date: datetime | None
    currency: str
    lines: tuple[OrderLine, ...]
    source_document_id: str | None = None
    source_version: str | None = None
    change_kind: str = "new"
    changes_order_ref: str | None = None
    buyer_organisation: str | None = None
    buyer_contact: Contact = Contact()
    ship_to: Address | None = None
    bill_to: Address | None = None
    shipping_method: str | None = None
    shipping_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    total_amount: Decimal | None = None
    payment: Payment | None = None
    extrinsics: dict[str, str] = field(default_factory=dict)
    comments: str | None = None

    def __post_init__(self) -> None:
        if self.change_kind not in CHANGE_KINDS:
            raise ValueError(f"change_kind must be one of {CHANGE_KINDS}")
        if self.payment and self.payment.card_last4 and len(self.payment.card_last4) != 4:
            raise ValueError("a card is kept by its last four digits only")

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CanonicalOrder:
        values = dict(data)
        values["order_date"] = _parse_datetime(values.get("order_date"))
        values["buyer_contact"] = Contact(**(values.get("buyer_contact") or {}))
        values["ship_to"] = _address(values.get("ship_to"))
        values["bill_to"] = _address(values.get("bill_to"))
        values["payment"] = Payment(**values["payment"]) if values.get("payment") else None
        for name in (
            "shipping_amount",
            "tax_amount",
            "discount_amount",
            "total_amount",
        ):
            values[name] = _decimal(values.get(name))
        values["lines"] = tuple(_line(line) for line in values.get("lines", ()))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def _address(data: dict[str, Any] | None) -> Address | None:
    if data is None:
        return None
    values = dict(data)
    values["deliver_to"] = tuple(values.get("deliver_to") or ())
    values["street"] = tuple(values.get("street") or ())
    return Address(**values)


def _line(data: dict[str, Any]) -> OrderLine:
    values = dict(data)
    values["quantity"] = Decimal(values["quantity"])
    values["unit_price"] = _decimal(values.get("unit_price"))
    delivery = values.get("requested_delivery_date")
    values["requested_delivery_date"] = date.fromisoformat(delivery) if delivery else None
    values["classification"] = dict(values.get("classification") or {})
    values["extrinsics"] = dict(values.get("extrinsics") or {})
    return OrderLine(**values)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _parse_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# ------------------------------------------------------------------ outbound documents
# What we send back to a buyer about its order. Renderers (cXML, X12) see only these.

CONFIRMATION_STATUSES = ("accept", "reject", "detail", "backorder")


@dataclass(frozen=True, slots=True)
class ConfirmationLine:
    """How one ordered line is confirmed: accepted, rejected or backordered, with details."""

    line_number: int
    status: str
    quantity: Decimal
    unit_of_measure: str
    unit_price: Decimal | None = None
    supplier_part_id: str | None = None
    buyer_part_id: str | None = None
    ship_date: date | None = None
    delivery_date: date | None = None
    comments: str | None = None

    def __post_init__(self) -> None:
        if self.status not in CONFIRMATION_STATUSES:
            raise ValueError(f"line status must be one of {CONFIRMATION_STATUSES}")


@dataclass(frozen=True, slots=True)
class OrderConfirmation:
    """The seller's answer to an order: whole-order status and per-line detail."""

    order: CanonicalOrder
    confirmation_id: str
    supplier_order_number: str
    status: str
    confirmed_at: datetime
    lines: tuple[ConfirmationLine, ...] = ()
    comments: str | None = None

    def __post_init__(self) -> None:
        if self.status not in CONFIRMATION_STATUSES:
            raise ValueError(f"status must be one of {CONFIRMATION_STATUSES}")


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    line_number: int
    quantity: Decimal
    unit_of_measure: str
    supplier_part_id: str | None = None
    buyer_part_id: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ShipNotice:
    """One shipment of (part of) an order: carrier, tracking and what is in it."""

    order: CanonicalOrder
    shipment_id: str
    supplier_order_number: str
    shipped_at: datetime
    carrier: str
    tracking_number: str
    lines: tuple[ShipmentLine, ...]
    carrier_code: str | None = None  # SCAC, e.g. FDEG, UPSN
    service: str | None = None
    delivery_date: date | None = None
    ship_from: Address | None = None
    ship_to: Address | None = None
    packages: int = 1
    weight: Decimal | None = None
    weight_unit: str = "LB"
    comments: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    line_number: int
    quantity: Decimal
    unit_of_measure: str
    unit_price: Decimal
    supplier_part_id: str | None = None
    buyer_part_id: str | None = None
    description: str | None = None

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice (or a credit note, purpose "credit") for an order."""

    order: CanonicalOrder
    invoice_number: str
    supplier_order_number: str
    invoice_date: datetime
    currency: str
    lines: tuple[InvoiceLine, ...]
    shipping_amount: Decimal = Decimal("0")
    tax_amount: Decimal = Decimal("0")
    discount_amount: Decimal = Decimal("0")
    purpose: str = "standard"
    bill_to: Address | None = None
    remit_to: Address | None = None
    net_days: int | None = None
    comments: str | None = None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_amount + self.tax_amount - self.discount_amount
