"""Sales orders: made from canonical orders, amended and cancelled with history."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from core.canonical import Address, CanonicalOrder
from core.canonical import OrderLine as CanonicalLine

STATUSES = (
    "new",
    "in_progress",
    "on_hold",
    "backordered",
    "partially_shipped",
    "shipped",
    "invoiced",
    "closed",
    "cancelled",
)
SHIPPED = frozenset({"partially_shipped", "shipped", "invoiced", "closed"})

HEADER_FIELDS = (
    "source_document_id",
    "source_version",
    "order_date",
    "currency",
    "buyer_organisation",
    "shipping_method",
    "shipping_amount",
    "tax_amount",
    "discount_amount",
    "total_amount",
    "comments",
)
LINE_FIELDS = (
    "quantity",
    "unit_of_measure",
    "unit_price",
    "currency",
    "buyer_part_id",
    "supplier_part_id",
    "supplier_part_aux_id",
    "manufacturer_part_id",
    "manufacturer_name",
    "description",
    "requested_delivery_date",
    "comments",
)


def format_number(value: int) -> str:
    return f"SO{value:07d}"


class OrderLine:
    def __init__(self, line_number: int, status: str = "open", **values: Any) -> None:
        self.line_number = line_number
        self.status = status
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def from_canonical(cls, line: CanonicalLine) -> OrderLine:
        values = {name: getattr(line, name) for name in LINE_FIELDS}
        return cls(
            line.line_number,
            classification=dict(line.classification),
            extrinsics=dict(line.extrinsics),
            **values,
        )

    def apply(self, line: CanonicalLine) -> None:
        for name in LINE_FIELDS:
            value = getattr(line, name)
            if getattr(self, name) != value:
                setattr(self, name, value)
        for name in ("classification", "extrinsics"):
            if getattr(self, name) != getattr(line, name):
                setattr(self, name, dict(getattr(line, name)))
        if self.status != "open":
            self.status = "open"


class Order:
    id: int | None
    lines: list[OrderLine]

    def __init__(self, number: str, channel: str, partner: str, external_order_id: str) -> None:
        self.number = number
        self.channel = channel
        self.partner = partner
        self.external_order_id = external_order_id
        self.status = "new"
        self.needs_attention = False
        self.attention_reason = None
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
        self.lines = []

    @classmethod
    def from_canonical(cls, number: str, order: CanonicalOrder, document_id: int | None) -> Order:
        new = cls(number, order.channel, order.partner, order.external_order_id)
        new.inbound_document_id = document_id
        new._apply_header(order)
        new.lines = [OrderLine.from_canonical(line) for line in order.lines]
        return new

    def amend(self, order: CanonicalOrder, document_id: int | None) -> None:
        """Bring the order in line with a changed document; vanished lines are removed."""
        self.inbound_document_id = document_id
        self._apply_header(order)
        by_number = {line.line_number: line for line in self.lines}
        incoming = {line.line_number for line in order.lines}
        for line in order.lines:
            existing = by_number.get(line.line_number)
            if existing is None:
                self.lines.append(OrderLine.from_canonical(line))
            else:
                existing.apply(line)
        for number, line in by_number.items():
            if number not in incoming and line.status != "removed":
                line.status = "removed"
        self.updated_at = datetime.now(UTC)

    def cancel(self, reason: str) -> bool:
        """Cancel unless something shipped; then flag it for staff and say no."""
        if self.status in SHIPPED:
            self.flag(f"cancellation requested after shipment: {reason}")
            return False
        if self.status != "cancelled":
            self.status = "cancelled"
            self.updated_at = datetime.now(UTC)
        return True

    def flag(self, reason: str) -> None:
        self.needs_attention = True
        self.attention_reason = reason
        self.updated_at = datetime.now(UTC)

    def _apply_header(self, order: CanonicalOrder) -> None:
        values = {name: getattr(order, name) for name in HEADER_FIELDS}
        values["buyer_name"] = order.buyer_contact.name
        values["buyer_email"] = order.buyer_contact.email
        values["buyer_phone"] = order.buyer_contact.phone
        values["ship_to"] = _address(order.ship_to)
        values["bill_to"] = _address(order.bill_to)
        values["payment"] = asdict(order.payment) if order.payment else None
        values["extrinsics"] = dict(order.extrinsics)
        for name, value in values.items():
            if getattr(self, name, None) != value:
                setattr(self, name, value)


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    values = asdict(address)
    values["deliver_to"] = list(address.deliver_to)
    values["street"] = list(address.street)
    return values
