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
        values["ship_to"] = address_of(values.get("ship_to"))
        values["bill_to"] = address_of(values.get("bill_to"))
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


def address_of(data: dict[str, Any] | None) -> Address | None:
    """An address from its stored (JSON) form; fields it does not have are ignored."""
    if data is None:
        return None
    names = Address.__dataclass_fields__
    values = {name: value for name, value in data.items() if name in names}
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


# ------------------------------------------------------------------ suppliers
# A purchase order we send a supplier is a CanonicalOrder too: partner is the
# supplier's partner code, external_order_id our PO number, buyer_organisation our
# company, ship_to the customer when the supplier drop-ships. extrinsics["dropship"]
# is "supplier" or "manufacturer" on a drop-shipped PO, absent otherwise.

DROPSHIP_MODES = ("supplier", "manufacturer")


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    warehouse: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class PriceAvailability:
    """A supplier's answer for one part: its price to us, stock per warehouse, ETA.
    `found` is False when the supplier does not know the part."""

    supplier_part_id: str
    unit_price: Decimal | None
    currency: str
    warehouses: tuple[WarehouseStock, ...] = ()
    eta: date | None = None
    unit_of_measure: str | None = None
    found: bool = True

    @property
    def available(self) -> Decimal:
        return sum((stock.quantity for stock in self.warehouses), Decimal("0"))


@dataclass(frozen=True, slots=True)
class ReceivedShipmentLine:
    line_number: int  # the line of our purchase order
    quantity: Decimal
    unit_of_measure: str
    supplier_part_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReceivedShipNotice:
    """A supplier's notice that (part of) one of our purchase orders shipped."""

    channel: str
    partner: str
    po_number: str
    shipment_id: str
    carrier: str
    tracking_number: str
    lines: tuple[ReceivedShipmentLine, ...]
    shipped_at: datetime | None = None
    carrier_code: str | None = None
    service: str | None = None
    delivery_date: date | None = None
    packages: int = 1
    weight: Decimal | None = None
    weight_unit: str = "LB"
    comments: str | None = None


@dataclass(frozen=True, slots=True)
class ReceivedConfirmation:
    """A supplier's confirmation of one of our purchase orders (cXML
    ConfirmationRequest, X12 855). Line statuses as in CONFIRMATION_STATUSES."""

    channel: str
    partner: str
    po_number: str
    confirmation_id: str
    status: str
    lines: tuple[ConfirmationLine, ...] = ()
    supplier_order_number: str | None = None
    confirmed_at: datetime | None = None
    comments: str | None = None


# ------------------------------------------------------------------ carriers


@dataclass(frozen=True, slots=True)
class Parcel:
    weight: Decimal
    weight_unit: str = "LB"  # LB or KG
    length: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    dimension_unit: str = "IN"  # IN or CM


@dataclass(frozen=True, slots=True)
class RateRequest:
    ship_from: Address
    ship_to: Address
    parcels: tuple[Parcel, ...]
    currency: str = "USD"
    ship_date: date | None = None
    order_value: Decimal | None = None  # table rates price by value or weight
    service: str | None = None  # one service only, or all when None


@dataclass(frozen=True, slots=True)
class RateQuote:
    carrier: str  # "FedEx", "table"
    service: str  # carrier's service code, e.g. FEDEX_GROUND
    service_name: str
    amount: Decimal
    currency: str
    transit_days: int | None = None
    delivery_date: date | None = None


@dataclass(frozen=True, slots=True)
class Label:
    """A shipping label to print: 4x6 inches."""

    tracking_number: str
    carrier: str
    service: str
    ship_from: Address
    ship_to: Address
    reference: str  # our shipment or order number
    weight: Decimal | None = None
    weight_unit: str = "LB"
    package: int = 1
    packages: int = 1


# ------------------------------------------------------------------ payments

PAYMENT_ACTIONS = ("authorise", "capture", "sale", "void", "refund")
GATEWAY_OUTCOMES = ("approved", "declined", "error", "pending")


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a gateway is asked to do. Cards are never here: `token` is the
    gateway's own token for the card or the buyer's approval (Authorize.net
    Accept.js opaque data, a customer payment profile, a PayPal order id)."""

    action: str
    amount: Decimal
    currency: str
    reference: str  # our invoice or order number
    token: str | None = None
    token_kind: str | None = None  # e.g. "opaque", "profile", "paypal_order"
    transaction_id: str | None = None  # the gateway's, for capture/void/refund
    description: str | None = None
    card_last4: str | None = None  # refunds of cards need the last four on some gateways

    def __post_init__(self) -> None:
        if self.action not in PAYMENT_ACTIONS:
            raise ValueError(f"action must be one of {PAYMENT_ACTIONS}")


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A gateway's answer. `raw` is its answer as received, kept for inspection
    (never with card numbers: gateways mask them)."""

    outcome: str
    transaction_id: str | None
    amount: Decimal
    currency: str
    message: str = ""
    code: str | None = None  # gateway's response or reason code
    authorization_code: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    approval_url: str | None = None  # PayPal: where the buyer approves the order
    raw: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in GATEWAY_OUTCOMES:
            raise ValueError(f"outcome must be one of {GATEWAY_OUTCOMES}")
