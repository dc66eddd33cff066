"""Sales orders: made from canonical orders, amended and cancelled with history."""

from __future__ import annotations

import functools
import operator
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from core.canonical import Address, CanonicalOrder, Contact, Payment
from core.canonical import OrderLine as CanonicalLine
from core.errors import OrderB2BError

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
# Statuses an order can be held from, and released back to.
OPEN = frozenset({"new", "in_progress", "backordered", "partially_shipped"})
_MOVING = frozenset({"partially_shipped", "shipped", "invoiced"})  # by shipments, invoices
# Every status an order may move to from each status. Staff move orders with the
# actions below; shipments and invoices move them along the shipping and invoicing
# edges; a hold goes back to the status it was taken from.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": _MOVING | {"in_progress", "backordered", "on_hold", "cancelled"},
    "in_progress": _MOVING | {"backordered", "on_hold", "cancelled"},
    "backordered": _MOVING | {"in_progress", "on_hold", "cancelled"},
    "partially_shipped": frozenset({"shipped", "invoiced", "on_hold"}),
    # shipped: while it was held, an edit took away all that was still to ship.
    "on_hold": OPEN | {"shipped", "cancelled"},
    "shipped": frozenset({"invoiced", "closed"}),
    "invoiced": frozenset({"closed"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
}
ACTIONS = ("start", "hold", "release", "close", "cancel")

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


class StatusChangeRefused(OrderB2BError):
    """A status change or backorder that cannot be made as asked; nothing was changed."""


class TransitionRefused(StatusChangeRefused):
    """The workflow has no step from the order's status to the one asked for."""


class BackorderRefused(StatusChangeRefused):
    pass


class OrderLine:
    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def from_canonical(cls, line: CanonicalLine) -> OrderLine:
        return cls(**line_values(line))

    def apply(self, line: CanonicalLine) -> None:
        _assign_changed(self, line_values(line))

    def backorder(self, quantity: Decimal, expected: date | None) -> None:
        """Mark `quantity` of what is still to ship as backordered, expected on
        `expected`; a quantity of 0 clears the backorder."""
        where = f"line {self.line_number}"
        if self.status == "removed":
            raise BackorderRefused(f"{where} was removed from the order")
        if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity < 0:
            raise BackorderRefused(f"{where}: the backordered quantity must be 0 or more")
        still_open = self.quantity - (self.shipped_quantity or 0)
        if quantity > still_open:
            raise BackorderRefused(
                f"{where}: {quantity} {self.unit_of_measure} backordered but only"
                f" {still_open} {self.unit_of_measure} left to ship"
            )
        self.backordered_quantity = quantity
        self.backorder_expected = expected if quantity else None

    @property
    def backordered(self) -> bool:
        return self.status != "removed" and (self.backordered_quantity or 0) > 0

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
        self.held_from = self.hold_reason = None
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
        if self.shipped_anything:
            self.flag(f"cancellation requested after shipment: {reason}")
            return False
        if self.status != "cancelled":
            self._release_hold()
            self._move("cancelled")
        return True

    @property
    def shipped_anything(self) -> bool:
        """Whether the order is past shipping, held while partly shipped included."""
        return self.status in SHIPPED or (self.status == "on_hold" and self.held_from in SHIPPED)

    def start(self) -> None:
        """Staff take a new order in hand."""
        self._require("new", to="in_progress")
        self._move("in_progress")

    def hold(self, reason: str | None) -> None:
        """Stop work on an open order, remembering where it stood."""
        if not reason or not reason.strip():
            raise StatusChangeRefused(f"order {self.number}: a hold needs a reason")
        self._require(*sorted(OPEN), to="on_hold")
        self.held_from = self.status
        self.hold_reason = reason.strip()
        self._move("on_hold")

    def release(self) -> None:
        """Take a held order back to the status it was held from."""
        self._require("on_hold", to="the status it was held from")
        back = self.held_from or "new"
        self._release_hold()
        self._move(back)
        self._follow_backorders()

    def close(self) -> None:
        """Nothing more to do: invoiced, or shipped and paid elsewhere (marketplaces)."""
        self._require("shipped", "invoiced", to="closed")
        self._move("closed")

    def withdraw(self, reason: str | None) -> None:
        """Staff cancel the order; refused once anything has shipped."""
        if self.status == "cancelled" or self.shipped_anything:
            raise self._refusal("cancelled")
        self.cancel(reason or "cancelled by staff")

    def act(self, action: str, reason: str | None = None) -> None:
        """One of the staff ACTIONS by name."""
        if action not in ACTIONS:
            raise StatusChangeRefused(
                f"order {self.number}: no action {action!r}; one of {', '.join(ACTIONS)}"
            )
        if action == "hold":
            self.hold(reason)
        elif action == "cancel":
            self.withdraw(reason)
        else:
            getattr(self, action)()

    def backorder_line(self, line_number: int, quantity: Decimal, expected: date | None) -> None:
        """Backorder part of a line; an order with a backordered line and nothing
        shipped is backordered, and goes back to in progress when none is left."""
        if self.status not in OPEN and self.status != "on_hold":
            raise BackorderRefused(f"order {self.number} is {self.status}: nothing to backorder")
        line = next((line for line in self.lines if line.line_number == line_number), None)
        if line is None:
            raise BackorderRefused(f"order {self.number} has no line {line_number}")
        try:
            line.backorder(quantity, expected)
        except BackorderRefused as error:
            raise BackorderRefused(f"order {self.number} {error}") from None
        self._follow_backorders()
        self.updated_at = datetime.now(UTC)

    def _follow_backorders(self) -> None:
        held = self.status == "on_hold"
        current = self.held_from if held else self.status
        waiting = any(line.backordered for line in self.lines)
        if waiting and current in ("new", "in_progress"):
            following = "backordered"
        elif not waiting and current == "backordered":
            following = "in_progress"
        else:
            return
        if held:
            self.held_from = following
        else:
            self._move(following)

    def _require(self, *sources: str, to: str | None = None) -> None:
        if self.status not in sources:
            raise self._refusal(to or sources[-1])

    def _refusal(self, to: str) -> TransitionRefused:
        allowed = ", ".join(sorted(TRANSITIONS.get(self.status, ()))) or "nothing"
        return TransitionRefused(
            f"order {self.number} cannot go from {self.status} to {to}"
            f" (from {self.status} it may go to: {allowed})"
        )

    def _move(self, status: str) -> None:
        if status not in TRANSITIONS.get(self.status, ()):
            raise self._refusal(status)
        self.status = status
        self.updated_at = datetime.now(UTC)

    def _release_hold(self) -> None:
        self.held_from = None
        self.hold_reason = None

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
