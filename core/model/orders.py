"""Sales orders: made from canonical orders, amended and cancelled with history."""

from __future__ import annotations

import functools
import operator
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from core.canonical import Address, CanonicalOrder, Contact, Payment
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
    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def from_canonical(cls, line: CanonicalLine) -> OrderLine:
        return cls(**line_values(line))

    def apply(self, line: CanonicalLine) -> None:
        _assign_changed(self, line_values(line))

    def to_canonical(self) -> CanonicalLine:
        values = {name: getattr(self, name) for name in LINE_FIELDS}
        return CanonicalLine(
            line_number=self.line_number,
            classification=dict(self.classification or {}),
            extrinsics=dict(self.extrinsics or {}),
            **values,
        )


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

    def to_canonical(self) -> CanonicalOrder:
        """The order as it stands now, in the form the outbound renderers read."""
        header = {name: getattr(self, name) for name in HEADER_FIELDS}
        return CanonicalOrder(
            channel=self.channel,
            partner=self.partner,
            external_order_id=self.external_order_id,
            lines=tuple(line.to_canonical() for line in self.lines if line.status != "removed"),
            buyer_contact=Contact(self.buyer_name, self.buyer_email, self.buyer_phone),
            ship_to=_address_from(self.ship_to),
            bill_to=_address_from(self.bill_to),
            payment=Payment(**self.payment) if self.payment else None,
            extrinsics=dict(self.extrinsics or {}),
            **header,
        )

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
        _assign_changed(self, header_values(order))


def new_order_values(
    number: str, order: CanonicalOrder, document_id: int | None, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The column values of a new order and its lines, for writing in bulk."""
    header = {
        "number": number,
        "channel": order.channel,
        "partner": order.partner,
        "external_order_id": order.external_order_id,
        "status": "new",
        "needs_attention": False,
        "attention_reason": None,
        "inbound_document_id": document_id,
        "created_at": now,
        "updated_at": now,
        "archived": False,
        **header_values(order),
    }
    return header, [line_values(line) for line in order.lines]


_header_fields = operator.attrgetter(*HEADER_FIELDS)
_line_fields = operator.attrgetter(*LINE_FIELDS)


def header_values(order: CanonicalOrder) -> dict[str, Any]:
    values = dict(zip(HEADER_FIELDS, _header_fields(order), strict=True))
    values["buyer_name"] = order.buyer_contact.name
    values["buyer_email"] = order.buyer_contact.email
    values["buyer_phone"] = order.buyer_contact.phone
    values["ship_to"] = _address(order.ship_to)
    values["bill_to"] = _address(order.bill_to)
    values["payment"] = _flat(order.payment) if order.payment else None
    values["extrinsics"] = dict(order.extrinsics)
    return values


def line_values(line: CanonicalLine) -> dict[str, Any]:
    values = dict(zip(LINE_FIELDS, _line_fields(line), strict=True))
    values["line_number"] = line.line_number
    values["status"] = "open"
    values["classification"] = dict(line.classification)
    values["extrinsics"] = dict(line.extrinsics)
    return values


def _assign_changed(target: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if getattr(target, name, None) != value:
            setattr(target, name, value)


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    values = _flat(address)
    values["deliver_to"] = list(address.deliver_to)
    values["street"] = list(address.street)
    return values


def _address_from(values: dict[str, Any] | None) -> Address | None:
    if values is None:
        return None
    stored = dict(values)
    stored["deliver_to"] = tuple(stored.get("deliver_to") or ())
    stored["street"] = tuple(stored.get("street") or ())
    return Address(**stored)


def _flat(value: Any) -> dict[str, Any]:
    """A flat dataclass as a dict (asdict deep-copies, which costs on the hot path)."""
    return {name: getattr(value, name) for name in _field_names(type(value))}


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))
