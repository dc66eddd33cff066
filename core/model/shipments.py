"""Shipments: what left for the buyer, by which carrier, against which order lines.

Shipping takes from a line's open quantity (ordered less shipped); the order's
status follows: partially shipped while anything stays open, shipped when nothing
does. An order already fully invoiced (or closed) keeps its status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from core.canonical import CanonicalOrder, ShipNotice
from core.canonical import ShipmentLine as CanonicalShipmentLine
from core.errors import OrderB2BError
from core.model.orders import Order, OrderLine

COUNTER = "shipment"
WEIGHT_UNITS = ("LB", "KG", "OZ", "G")
_SCAC = re.compile(r"[A-Z]{2,4}")


class ShipmentRefused(OrderB2BError):
    """A shipment that cannot be recorded as given; nothing was changed."""


def format_number(value: int) -> str:
    return f"SH{value:07d}"


def utc(moment: datetime) -> datetime:
    """Times are kept in UTC; SQLite gives them back without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def open_quantity(line: OrderLine) -> Decimal:
    """What is still to ship on a line; nothing on a removed line."""
    if line.status == "removed":
        return Decimal(0)
    return max(line.quantity - line.shipped_quantity, Decimal(0))


@dataclass(frozen=True)
class ShipmentDetails:
    """How a shipment travels, as staff or a supplier report it."""

    carrier: str
    tracking_number: str
    carrier_code: str | None = None
    service: str | None = None
    shipped_at: datetime | None = None
    delivery_date: date | None = None
    packages: int = 1
    weight: Decimal | None = None
    weight_unit: str = "LB"
    comments: str | None = None


class ShipmentLine:
    id: int | None
    shipment_id: int | None

    def __init__(self, order_line_id: int, line_number: int, quantity: Decimal) -> None:
        self.order_line_id = order_line_id
        self.line_number = line_number
        self.quantity = quantity


class Shipment:
    id: int | None
    lines: list[ShipmentLine]

    def __init__(self, number: str, order: Order, details: ShipmentDetails) -> None:
        now = datetime.now(UTC)
        self.number = number
        self.order = order
        self.carrier = details.carrier.strip()
        self.carrier_code = details.carrier_code
        self.service = details.service
        self.tracking_number = details.tracking_number.strip()
        self.shipped_at = (details.shipped_at or now).astimezone(UTC)
        self.delivery_date = details.delivery_date
        self.packages = details.packages
        self.weight = details.weight
        self.weight_unit = details.weight_unit
        self.comments = details.comments
        self.created_at = self.updated_at = now
        self.archived = False
        self.lines = []

    @classmethod
    def ship(
        cls,
        number: str,
        order: Order,
        wanted: Mapping[int, Decimal] | None,
        details: ShipmentDetails,
    ) -> Shipment:
        """Ship `wanted` (quantity per line number; None: every open quantity) of
        `order`; refused, with nothing changed, unless all of it is open."""
        check_details(details)
        quantities = shipment_quantities(order, wanted)
        shipment = cls(number, order, details)
        by_number = {line.line_number: line for line in order.lines}
        for line_number, quantity in sorted(quantities.items()):
            line = by_number[line_number]
            line.shipped_quantity += quantity
            shipment.lines.append(ShipmentLine(line.id, line_number, quantity))
        _follow_shipping(order)
        return shipment

    def to_ship_notice(self, order: CanonicalOrder, supplier_order_number: str) -> ShipNotice:
        """The shipment in the form the outbound renderers read."""
        ordered = {line.line_number: line for line in order.lines}
        lines = []
        for line in self.lines:
            source = ordered.get(line.line_number)
            if source is None:
                raise ShipmentRefused(
                    f"shipment {self.number}: order {supplier_order_number}"
                    f" has no line {line.line_number} any more"
                )
            lines.append(
                CanonicalShipmentLine(
                    line.line_number,
                    line.quantity,
                    source.unit_of_measure,
                    supplier_part_id=source.supplier_part_id,
                    buyer_part_id=source.buyer_part_id,
                    description=source.description,
                )
            )
        return ShipNotice(
            order=order,
            shipment_id=self.number,
            supplier_order_number=supplier_order_number,
            shipped_at=utc(self.shipped_at),
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            lines=tuple(lines),
            carrier_code=self.carrier_code,
            service=self.service,
            delivery_date=self.delivery_date,
            packages=self.packages,
            weight=self.weight,
            weight_unit=self.weight_unit,
            comments=self.comments,
        )


def shipment_quantities(order: Order, wanted: Mapping[int, Decimal] | None) -> dict[int, Decimal]:
    """The quantity to ship per line number: `wanted`, checked against what is open,
    or every open quantity when `wanted` is None."""
    if order.status in ("cancelled", "on_hold"):
        state = "on hold" if order.status == "on_hold" else "cancelled"
        raise ShipmentRefused(f"order {order.number} is {state}")
    if wanted is None:
        quantities = {line.line_number: open_quantity(line) for line in order.lines}
        quantities = {number: q for number, q in quantities.items() if q > 0}
        if not quantities:
            raise ShipmentRefused(f"order {order.number} has nothing left to ship")
        return quantities
    if not wanted:
        raise ShipmentRefused(f"shipment for order {order.number} names no lines")
    by_number = {line.line_number: line for line in order.lines}
    return {
        number: _checked_quantity(order, by_number.get(number), number, quantity)
        for number, quantity in wanted.items()
    }


def _checked_quantity(
    order: Order, line: OrderLine | None, number: int, quantity: Decimal
) -> Decimal:
    where = f"order {order.number} line {number}"
    if line is None:
        raise ShipmentRefused(f"order {order.number} has no line {number}")
    if line.status == "removed":
        raise ShipmentRefused(f"{where} was removed from the order")
    if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
        raise ShipmentRefused(f"{where}: quantity to ship must be a positive number")
    still_open = open_quantity(line)
    if quantity > still_open:
        raise ShipmentRefused(
            f"{where}: {quantity} {line.unit_of_measure} to ship but only"
            f" {still_open} {line.unit_of_measure} open"
        )
    return quantity


def check_details(details: ShipmentDetails) -> None:
    if not details.carrier or not details.carrier.strip():
        raise ShipmentRefused("a shipment needs a carrier")
    if not details.tracking_number or not details.tracking_number.strip():
        raise ShipmentRefused("a shipment needs a tracking number")
    if details.carrier_code is not None and not _SCAC.fullmatch(details.carrier_code):
        raise ShipmentRefused(
            f"carrier code {details.carrier_code!r} is not a SCAC (2 to 4 capital letters)"
        )
    if details.shipped_at is not None and details.shipped_at.tzinfo is None:
        raise ShipmentRefused("the shipping time needs a UTC offset")
    shipped_on = (details.shipped_at or datetime.now(UTC)).date()
    if details.delivery_date is not None and details.delivery_date < shipped_on:
        raise ShipmentRefused(
            f"delivery date {details.delivery_date} is before the shipping date {shipped_on}"
        )
    if details.packages < 1:
        raise ShipmentRefused("a shipment has at least one package")
    if details.weight is not None and not (details.weight.is_finite() and details.weight > 0):
        raise ShipmentRefused("the shipment's weight must be a positive number")
    if details.weight_unit not in WEIGHT_UNITS:
        raise ShipmentRefused(
            f"weight unit {details.weight_unit!r} is not one of {', '.join(WEIGHT_UNITS)}"
        )


def _follow_shipping(order: Order) -> None:
    if order.status in ("invoiced", "closed"):
        return
    remaining = any(open_quantity(line) > 0 for line in order.lines)
    order.status = "partially_shipped" if remaining else "shipped"
    order.updated_at = datetime.now(UTC)
