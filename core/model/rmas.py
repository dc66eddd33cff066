"""Returns (RMAs): goods a customer sends back from an order, line by line.

An RMA is requested, authorised, received (what came back, in what condition) and
closed; while requested or authorised it may be edited, rejected or cancelled. A line
returns at most what was shipped of its order line, less what the order's other live
RMAs (not rejected or cancelled) already return. It is never deleted; archiving is
a flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.errors import OrderB2BError
from core.model.orders import Order, OrderLine

COUNTER = "rma"
REQUESTED, AUTHORIZED, RECEIVED, CLOSED = "requested", "authorized", "received", "closed"
REJECTED, CANCELLED = "rejected", "cancelled"
STATUSES = (REQUESTED, AUTHORIZED, RECEIVED, CLOSED, REJECTED, CANCELLED)
EDITABLE_STATUSES = (REQUESTED, AUTHORIZED)
# action: (the statuses it may leave, the status it gives)
ACTIONS = {
    "authorize": ((REQUESTED,), AUTHORIZED),
    "receive": ((AUTHORIZED,), RECEIVED),
    "close": ((RECEIVED,), CLOSED),
    "reject": (EDITABLE_STATUSES, REJECTED),
    "cancel": (EDITABLE_STATUSES, CANCELLED),
}
REASON_CODES = (
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "no_longer_needed",
    "other",
)
RESOLUTIONS = ("refund", "replacement", "repair", "credit")
CONDITIONS = ("new", "opened", "damaged", "defective", "missing")
EDITABLE = ("reason_code", "reason", "resolution", "contact_email", "notes")
VISIBILITIES = ("private", "public")
MAX_TEXT = 10_000
MAX_EMAIL = 320
MAX_QUANTITY = Decimal("1000000000")
ZERO = Decimal(0)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class RmaRefused(OrderB2BError):
    """A return that cannot be opened or changed as asked; nothing was changed."""


def format_number(value: int) -> str:
    return f"RMA{value:06d}"


class RmaLine:
    id: int | None
    rma_id: int | None

    def __init__(
        self,
        line_number: int,
        order_line: OrderLine,
        quantity: Decimal,
    ) -> None:
        self.line_number = line_number
        self.order_line_number = order_line.line_number
        self.part_number = (
            order_line.supplier_part_id
            or order_line.buyer_part_id
            or order_line.manufacturer_part_id
            or ""
        )
        self.description = order_line.description
        self.unit_of_measure = order_line.unit_of_measure
        self.quantity = quantity
        self.received_quantity = ZERO
        self.condition = None


class Rma:
    id: int | None
    order: Order
    lines: list[RmaLine]

    def __init__(
        self,
        number: str,
        order: Order,
        quantities: Mapping[int, Decimal],
        *,
        reason_code: str,
        resolution: str,
        created_by: str,
        reason: str | None = None,
        contact_email: str | None = None,
        notes: str | None = None,
        others: Iterable[Rma] = (),
    ) -> None:
        self.number = number
        self.order = order
        self.order_id = order.id
        self.customer_id = getattr(order, "customer_id", None)
        self.status = REQUESTED
        self.created_by = created_by
        self.authorized_at = self.received_at = self.closed_at = None
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
        self.lines = []
        values = _checked_values(
            reason_code=reason_code,
            reason=reason,
            resolution=resolution,
            contact_email=contact_email if contact_email is not None else order_email(order),
            notes=notes,
        )
        if not quantities:
            raise RmaRefused("name at least one order line to return")
        checked = self._checked_quantities(quantities, others)
        for name, value in values.items():
            setattr(self, name, value)
        self._apply_quantities(checked)

    def line(self, order_line_number: int) -> RmaLine | None:
        return next((x for x in self.lines if x.order_line_number == order_line_number), None)

    def change(
        self,
        values: Mapping[str, Any],
        quantities: Mapping[int, Decimal] | None = None,
        others: Iterable[Rma] = (),
    ) -> list[str]:
        """Change the fields named and the quantities of the order lines named (a line
        not yet returned is added); returns the names of what changed."""
        self._require(EDITABLE_STATUSES, "edited")
        unknown = sorted(set(values) - set(EDITABLE))
        if unknown:
            raise RmaRefused(f"an RMA has no {', '.join(unknown)} to change")
        before = {name: getattr(self, name) for name in EDITABLE}
        after = _checked_values(**{**before, **values})
        checked = self._checked_quantities(quantities or {}, others)
        changed = [name for name in EDITABLE if after[name] != before[name]]
        for name in changed:
            setattr(self, name, after[name])
        changed += self._apply_quantities(checked)
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed

    def change_status(
        self,
        action: str,
        *,
        reason: str | None = None,
        received: Mapping[int, tuple[Decimal, str | None]] | None = None,
        now: datetime | None = None,
    ) -> tuple[str, str]:
        """Take an action (see ACTIONS); returns (previous, new) status. Receiving
        needs what came back per order line number: (quantity, condition); a line not
        named came back with nothing (condition "missing")."""
        if action not in ACTIONS:
            raise RmaRefused(f"action must be one of {', '.join(ACTIONS)}")
        allowed, status = ACTIONS[action]
        self._require(allowed, status)
        if received is not None and action != "receive":
            raise RmaRefused("only receiving records quantities received")
        reason = _text("reason", reason)
        now = now or datetime.now(UTC)
        if action == "receive":
            self._receive(received or {})
        if reason:
            self.notes = "\n".join(filter(None, (self.notes, f"{status}: {reason}")))
        stamp = {AUTHORIZED: "authorized_at", RECEIVED: "received_at", CLOSED: "closed_at"}
        if status in stamp:
            setattr(self, stamp[status], now)
        previous, self.status = self.status, status
        self.updated_at = now
        return previous, status

    def set_archived(self, archived: bool) -> bool:
        """Returns whether the flag changed."""
        if self.archived == archived:
            return False
        self.archived = archived
        self.updated_at = datetime.now(UTC)
        return True

    @property
    def live(self) -> bool:
        """Still counts against what may be returned of the order."""
        return self.status not in (REJECTED, CANCELLED)

    def _receive(self, received: Mapping[int, tuple[Decimal, str | None]]) -> None:
        if not received:
            raise RmaRefused("say what was received: a quantity per line")
        for order_line_number in received:
            if self.line(order_line_number) is None:
                raise RmaRefused(f"{self.number} returns nothing of order line {order_line_number}")
        missing = (ZERO, "missing")
        counted = [(line, *received.get(line.order_line_number, missing)) for line in self.lines]
        for line, quantity, condition in counted:
            where = f"order line {line.order_line_number}"
            if not _is_quantity(quantity) or not ZERO <= quantity <= line.quantity:
                raise RmaRefused(
                    f"{where}: the quantity received must be from 0 to {line.quantity}"
                )
            if condition is not None and condition not in CONDITIONS:
                raise RmaRefused(f"{where}: condition must be one of {', '.join(CONDITIONS)}")
        for line, quantity, condition in counted:
            line.received_quantity, line.condition = quantity, condition

    def _checked_quantities(
        self, quantities: Mapping[int, Decimal], others: Iterable[Rma]
    ) -> list[tuple[OrderLine, Decimal]]:
        others = [rma for rma in others if rma is not self and rma.live]
        checked = [(_order_line(self.order, n), q) for n, q in quantities.items()]
        for order_line, quantity in checked:
            _check_quantity(order_line, quantity, returnable(order_line, others))
        return checked

    def _apply_quantities(self, checked: list[tuple[OrderLine, Decimal]]) -> list[str]:
        changed = []
        for order_line, quantity in checked:
            line = self.line(order_line.line_number)
            if line is None:
                number = max((x.line_number for x in self.lines), default=0) + 1
                self.lines.append(RmaLine(number, order_line, quantity))
                changed.append(f"line {number}")
            elif line.quantity != quantity:
                line.quantity = quantity
                changed.append(f"line {line.line_number}")
        return changed

    def _require(self, statuses: Iterable[str], to: str) -> None:
        if self.status not in statuses:
            raise RmaRefused(f"{self.number} is {self.status}; it cannot be {to}")


def returnable(order_line: OrderLine, others: Iterable[Rma]) -> Decimal:
    """What may still be returned of an order line: what shipped, less what the
    other live RMAs return of it."""
    shipped = order_line.shipped_quantity or ZERO
    taken = sum(
        (
            line.quantity
            for rma in others
            if rma.live
            for line in rma.lines
            if line.order_line_number == order_line.line_number
        ),
        ZERO,
    )
    return max(shipped - taken, ZERO)


def check_comment(visibility: str, body: str) -> str:
    """The comment's text, trimmed; refused when empty, too long or of an unknown
    visibility."""
    if visibility not in VISIBILITIES:
        raise RmaRefused(f"visibility must be one of {', '.join(VISIBILITIES)}")
    if not isinstance(body, str) or not body.strip():
        raise RmaRefused("a comment needs some text")
    if len(body.strip()) > MAX_TEXT:
        raise RmaRefused(f"a comment is at most {MAX_TEXT} characters")
    return body.strip()


def _checked_values(**values: Any) -> dict[str, Any]:
    if values["reason_code"] not in REASON_CODES:
        raise RmaRefused(f"reason_code must be one of {', '.join(REASON_CODES)}")
    if values["resolution"] not in RESOLUTIONS:
        raise RmaRefused(f"resolution must be one of {', '.join(RESOLUTIONS)}")
    reason = _text("reason", values["reason"])
    if values["reason_code"] == "other" and not reason:
        raise RmaRefused('a reason_code of "other" needs the reason in words')
    return {
        **values,
        "reason": reason,
        "contact_email": _email(values["contact_email"]),
        "notes": _text("notes", values["notes"]),
    }


def order_email(order: Order) -> str | None:
    """The buyer's address on the order, the default contact of its returns."""
    return getattr(order, "buyer_email", None)


def _order_line(order: Order, number: int) -> OrderLine:
    line = next((x for x in order.lines if x.line_number == number), None)
    if line is None or line.status == "removed":
        raise RmaRefused(f"order {order.number} has no line {number}")
    return line


def _check_quantity(order_line: OrderLine, quantity: Decimal, left: Decimal) -> None:
    where, unit = f"order line {order_line.line_number}", order_line.unit_of_measure
    if not _is_quantity(quantity) or quantity <= 0:
        raise RmaRefused(f"{where}: the quantity to return must be above 0")
    if quantity > left:
        raise RmaRefused(
            f"{where}: {quantity} {unit} asked but only {left} {unit} shipped and not yet returned"
        )


def _is_quantity(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and abs(value) <= MAX_QUANTITY


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RmaRefused(f"{name} must be text")
    if len(value) > MAX_TEXT:
        raise RmaRefused(f"{name} is longer than {MAX_TEXT} characters")
    return value.strip() or None


def _email(value: Any) -> str | None:
    email = _text("contact_email", value)
    if email is not None and (len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email)):
        raise RmaRefused(f"{email!r} is not an email address")
    return email
