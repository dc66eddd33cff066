"""Staff editing an order: its lines, quantities, prices, addresses and shipping.

An order can be edited while nothing has left for the buyer: new, in progress, on
hold or backordered. A line is never deleted: removing it marks it `removed`, and
removed lines count for nothing. A quantity cannot go below what has already
shipped or been invoiced. A price set by hand needs a reason, kept on the line
with who set it. After each edit the order's total is worked out again as the sum
of its lines plus shipping plus tax less discount (`order_totals` shows the sum).
An edit made after the order's purchase orders went to suppliers flags the order,
since those purchase orders may need changing too.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from core.canonical import Address
from core.errors import OrderB2BError
from core.model.orders import Order, OrderLine
from core.model.shipments import open_quantity

EDITABLE = frozenset({"new", "in_progress", "on_hold", "backordered"})
ADDRESS_KINDS = ("ship_to", "bill_to")
PURCHASE_ORDERS_MAY_NEED_CHANGING = (
    "edited after purchase orders were sent: the suppliers' purchase orders may need changing"
)
# The setting that asks for a confirmation email for each new order (M-43).
CONFIRMATION_EMAIL = "orders.confirmation_email"
ZERO = Decimal(0)
_ADDRESS_FIELDS = tuple(f.name for f in fields(Address))
_ADDRESS_LISTS = ("deliver_to", "street")
_TEXT_LIMIT = 4000


class OrderEditRefused(OrderB2BError):
    """An order edit that cannot be made as asked; nothing was changed."""


class NoBuyerEmail(OrderB2BError):
    """A confirmation email was asked for an order whose buyer gave no address."""


@dataclass(frozen=True)
class Totals:
    """How an order's total is made up."""

    lines: Decimal
    shipping: Decimal
    tax: Decimal
    discount: Decimal
    unpriced_lines: tuple[int, ...]

    @property
    def total(self) -> Decimal:
        return self.lines + self.shipping + self.tax - self.discount


@dataclass(frozen=True)
class NewLine:
    """A line staff add to an order."""

    quantity: Decimal
    unit_of_measure: str
    unit_price: Decimal
    supplier_part_id: str | None = None
    description: str | None = None
    buyer_part_id: str | None = None
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    requested_delivery_date: date | None = None
    price_reason: str | None = None


@dataclass(frozen=True)
class EditResult:
    """What an edit did: the line it touched, the fields that changed, the totals
    after it, and whether it flagged the order for staff."""

    order_number: str
    line_number: int | None
    changed: tuple[str, ...]
    totals: Totals
    currency: str
    purchase_orders_may_need_changing: bool


def order_totals(order: Order) -> Totals:
    """Lines that are not removed, at quantity times unit price; a line without a
    price counts as nothing and is named."""
    live = [line for line in order.lines if line.status != "removed"]
    return Totals(
        lines=sum((line.quantity * line.unit_price for line in live if _priced(line)), ZERO),
        shipping=order.shipping_amount or ZERO,
        tax=order.tax_amount or ZERO,
        discount=order.discount_amount or ZERO,
        unpriced_lines=tuple(line.line_number for line in live if not _priced(line)),
    )


def add_line(order: Order, new: NewLine, by: str) -> EditResult:
    _check_editable(order)
    where = f"order {order.number} new line"
    quantity = _quantity(new.quantity, where)
    price = _price(new.unit_price, where)
    unit = (new.unit_of_measure or "").strip().upper()
    if not unit or len(unit) > 8:
        raise OrderEditRefused(
            f"{where}: a unit of measure of 1 to 8 characters is needed, e.g. EA"
        )
    reason = _text(new.price_reason, "price reason", where)
    line = OrderLine(
        line_number=max((line.line_number for line in order.lines), default=0) + 1,
        status="open",
        quantity=quantity,
        unit_of_measure=unit,
        unit_price=price,
        currency=order.currency,
        supplier_part_id=_text(new.supplier_part_id, "part number", where, limit=100),
        buyer_part_id=_text(new.buyer_part_id, "buyer part number", where, limit=100),
        manufacturer_part_id=_text(
            new.manufacturer_part_id, "manufacturer part number", where, limit=100
        ),
        manufacturer_name=_text(new.manufacturer_name, "manufacturer", where, limit=200),
        description=_text(new.description, "description", where),
        requested_delivery_date=new.requested_delivery_date,
        classification={},
        extrinsics={},
        shipped_quantity=ZERO,
        invoiced_quantity=ZERO,
        backordered_quantity=ZERO,
        price_override_reason=reason,
        price_overridden_by=by if reason else None,
    )
    if not (line.supplier_part_id or line.description):
        raise OrderEditRefused(f"{where}: a part number or a description is needed")
    order.lines.append(line)
    return _edited(order, line.line_number, ("line_added",))


def change_line(
    order: Order,
    line_number: int,
    by: str,
    *,
    quantity: Decimal | None = None,
    unit_price: Decimal | None = None,
    price_reason: str | None = None,
    description: str | None = None,
) -> EditResult:
    """Change a line's quantity, price (with a reason) or description; what is
    not given stays as it is."""
    _check_editable(order)
    line = _live_line(order, line_number)
    where = f"order {order.number} line {line_number}"
    if quantity is None and unit_price is None and description is None:
        raise OrderEditRefused(f"{where}: nothing to change (quantity, price or description)")
    new_quantity = line.quantity if quantity is None else _quantity(quantity, where)
    done = max(line.shipped_quantity or ZERO, line.invoiced_quantity or ZERO)
    if new_quantity < done:
        raise OrderEditRefused(
            f"{where}: {done} {line.unit_of_measure} already shipped or invoiced;"
            f" the quantity cannot go below that"
        )
    reason = _text(price_reason, "price reason", where)
    if unit_price is not None and not reason:
        raise OrderEditRefused(f"{where}: a price set by hand needs a reason")
    new_price = line.unit_price if unit_price is None else _price(unit_price, where)
    new_description = line.description
    if description is not None:
        new_description = _text(description, "description", where)
    changed = []
    if new_quantity != line.quantity:
        line.quantity = new_quantity
        changed.append("quantity")
        _fit_backorder(order, line)
    if unit_price is not None:
        line.unit_price = new_price
        line.price_override_reason = reason
        line.price_overridden_by = by
        changed.append("unit_price")
    if new_description != line.description:
        line.description = new_description
        changed.append("description")
    return _edited(order, line_number, tuple(changed))


def remove_line(order: Order, line_number: int, reason: str | None) -> EditResult:
    """Mark a line removed; refused once any of it has shipped or been invoiced."""
    _check_editable(order)
    line = _live_line(order, line_number)
    where = f"order {order.number} line {line_number}"
    if (line.shipped_quantity or ZERO) > 0 or (line.invoiced_quantity or ZERO) > 0:
        raise OrderEditRefused(f"{where} has shipped or been invoiced in part: it stays")
    reason = _text(reason, "reason", where)
    if line.backordered:
        order.backorder_line(line_number, ZERO, None)
    line.status = "removed"
    line.removal_reason = reason
    return _edited(order, line_number, ("line_removed",))


def change_addresses(
    order: Order, ship_to: dict[str, Any] | None, bill_to: dict[str, Any] | None
) -> EditResult:
    """Replace the ship-to or bill-to address (or both) with the one given."""
    _check_editable(order)
    given = {"ship_to": ship_to, "bill_to": bill_to}
    given = {kind: value for kind, value in given.items() if value is not None}
    if not given:
        raise OrderEditRefused(f"order {order.number}: no address given (ship_to or bill_to)")
    addresses = {kind: address_values(value, kind) for kind, value in given.items()}
    changed = []
    for kind, values in addresses.items():
        if getattr(order, kind) != values:
            setattr(order, kind, values)
            changed.append(kind)
    return _edited(order, None, tuple(changed))


def change_shipping(order: Order, method: str | None, amount: Decimal | None) -> EditResult:
    """Change the shipping method, the shipping amount, or both."""
    _check_editable(order)
    where = f"order {order.number} shipping"
    if method is None and amount is None:
        raise OrderEditRefused(f"{where}: give a method, an amount or both")
    changed = []
    if method is not None:
        method = _text(method, "method", where, limit=200)
        if method != order.shipping_method:
            order.shipping_method = method
            changed.append("shipping_method")
    if amount is not None:
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
            raise OrderEditRefused(f"{where}: the amount must be 0 or more")
        if amount != order.shipping_amount:
            order.shipping_amount = amount
            changed.append("shipping_amount")
    return _edited(order, None, tuple(changed))


def address_values(values: dict[str, Any], kind: str) -> dict[str, Any]:
    """An address as orders keep it, from the fields of a canonical Address."""
    if not isinstance(values, dict):
        raise OrderEditRefused(f"{kind}: an address is an object of named fields")
    unknown = sorted(set(values) - set(_ADDRESS_FIELDS))
    if unknown:
        raise OrderEditRefused(
            f"{kind}: unknown field(s) {', '.join(unknown)}; known: {', '.join(_ADDRESS_FIELDS)}"
        )
    address: dict[str, Any] = {}
    for name in _ADDRESS_FIELDS:
        value = values.get(name)
        if name in _ADDRESS_LISTS:
            items = [value] if isinstance(value, str) else value or []
            if not isinstance(items, list | tuple):
                raise OrderEditRefused(f"{kind}: {name} is a list of text lines")
            address[name] = [text for item in items if (text := _text(item, name, kind))]
        else:
            address[name] = _text(value, name, kind, limit=200)
    if address["country"] is not None:
        address["country"] = address["country"].upper()
        if len(address["country"]) != 2 or not address["country"].isalpha():
            raise OrderEditRefused(f"{kind}: country is a two-letter ISO code such as US")
    if not (address["name"] or address["street"]):
        raise OrderEditRefused(f"{kind}: an address needs at least a name or a street")
    return address


def _edited(order: Order, line_number: int | None, changed: tuple[str, ...]) -> EditResult:
    flagged = False
    if changed:
        totals = order_totals(order)
        if order.total_amount != totals.total:
            order.total_amount = totals.total
        _follow_shipping_on_hold(order)
        if order.purchase_orders_sent:
            _flag_for_purchasing(order)
            flagged = True
        order.updated_at = datetime.now(UTC)
    return EditResult(
        order.number, line_number, changed, order_totals(order), order.currency, flagged
    )


def _follow_shipping_on_hold(order: Order) -> None:
    """A partly shipped order, held and edited so that nothing is left to ship, is
    shipped once released (and partly shipped again if an edit adds to it)."""
    if order.status != "on_hold" or order.held_from not in ("partially_shipped", "shipped"):
        return
    remaining = any(open_quantity(line) > 0 for line in order.lines)
    order.held_from = "partially_shipped" if remaining else "shipped"


def _flag_for_purchasing(order: Order) -> None:
    earlier = order.attention_reason if order.needs_attention else None
    if earlier and PURCHASE_ORDERS_MAY_NEED_CHANGING in earlier:
        return
    reason = PURCHASE_ORDERS_MAY_NEED_CHANGING
    order.flag(f"{earlier}; {reason}" if earlier else reason)


def _check_editable(order: Order) -> None:
    if order.status not in EDITABLE:
        raise OrderEditRefused(
            f"order {order.number} is {order.status}: only new, in progress, on hold or"
            " backordered orders can be edited"
        )


def _live_line(order: Order, line_number: int) -> OrderLine:
    line = next((line for line in order.lines if line.line_number == line_number), None)
    if line is None:
        raise OrderEditRefused(f"order {order.number} has no line {line_number}")
    if line.status == "removed":
        raise OrderEditRefused(f"order {order.number} line {line_number} was removed")
    return line


def _fit_backorder(order: Order, line: OrderLine) -> None:
    """A smaller quantity keeps the backorder within what is still to ship."""
    still_open = line.quantity - (line.shipped_quantity or ZERO)
    if (line.backordered_quantity or ZERO) > still_open:
        order.backorder_line(line.line_number, still_open, line.backorder_expected)


def _priced(line: OrderLine) -> bool:
    return line.unit_price is not None


def _quantity(value: Decimal, where: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise OrderEditRefused(f"{where}: the quantity must be a positive number")
    return value


def _price(value: Decimal, where: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise OrderEditRefused(f"{where}: the unit price must be 0 or more")
    return value


def _text(value: Any, name: str, where: str, *, limit: int = _TEXT_LIMIT) -> str | None:
    """Text stripped of surrounding blanks; blank is None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise OrderEditRefused(f"{where}: {name} must be text")
    value = value.strip()
    if len(value) > limit:
        raise OrderEditRefused(f"{where}: {name} is longer than {limit} characters")
    return value or None


def confirmation_wanted(setting: bool, group_choice: str | None) -> bool:
    """Whether an order gets its confirmation email: its customer group's choice
    ("always", "never") over the setting."""
    return {"always": True, "never": False}.get(group_choice or "", setting)
