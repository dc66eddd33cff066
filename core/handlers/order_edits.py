"""Staff editing orders (lines, prices, addresses, shipping), asking for the buyer's
confirmation email by hand, and changing the settings the order path reads."""

from __future__ import annotations

from collections.abc import Callable

from core import commands, events, ports
from core.errors import NotFound
from core.model import order_edits
from core.model.order_edits import EditResult, NewLine, NoBuyerEmail, OrderEditRefused
from core.model.orders import Order


def add_order_line(command: commands.AddOrderLine, uow: ports.UnitOfWork) -> EditResult:
    """A line at the price given, or else at our part number's price by the rules
    for the order's customer and quantity."""
    unit_price = command.unit_price
    if unit_price is None:
        unit_price = _rule_price(uow, command)
    new = NewLine(
        quantity=command.quantity,
        unit_of_measure=command.unit_of_measure,
        unit_price=unit_price,
        supplier_part_id=command.supplier_part_id,
        description=command.description,
        buyer_part_id=command.buyer_part_id,
        manufacturer_part_id=command.manufacturer_part_id,
        manufacturer_name=command.manufacturer_name,
        requested_delivery_date=command.requested_delivery_date,
        price_reason=command.price_reason,
    )
    return _edit(uow, command.order_number, "line_added", order_edits.add_line, new, uow.actor.name)


def change_order_line(command: commands.ChangeOrderLine, uow: ports.UnitOfWork) -> EditResult:
    def change(order: Order) -> EditResult:
        return order_edits.change_line(
            order,
            command.line_number,
            uow.actor.name,
            quantity=command.quantity,
            unit_price=command.unit_price,
            price_reason=command.price_reason,
            description=command.description,
        )

    return _edit(uow, command.order_number, "line_changed", change)


def remove_order_line(command: commands.RemoveOrderLine, uow: ports.UnitOfWork) -> EditResult:
    return _edit(
        uow,
        command.order_number,
        "line_removed",
        order_edits.remove_line,
        command.line_number,
        command.reason,
    )


def change_order_addresses(
    command: commands.ChangeOrderAddresses, uow: ports.UnitOfWork
) -> EditResult:
    return _edit(
        uow,
        command.order_number,
        "addresses_changed",
        order_edits.change_addresses,
        command.ship_to,
        command.bill_to,
    )


def change_order_shipping(
    command: commands.ChangeOrderShipping, uow: ports.UnitOfWork
) -> EditResult:
    return _edit(
        uow,
        command.order_number,
        "shipping_changed",
        order_edits.change_shipping,
        command.shipping_method,
        command.shipping_amount,
    )


def request_order_confirmation(
    command: commands.RequestOrderConfirmation, uow: ports.UnitOfWork
) -> str:
    """Returns the address the confirmation goes to."""
    order = _order(uow, command.order_number)
    if not order.buyer_email:
        raise NoBuyerEmail(f"order {order.number} has no buyer email to confirm to")
    uow.emit(
        confirmation_requested(
            order.number,
            order.buyer_email,
            order.buyer_organisation,
            order.buyer_name,
            asked_by_staff=True,
        )
    )
    return order.buyer_email


def confirmation_requested(
    number: str,
    email: str,
    organisation: str | None,
    contact: str | None,
    asked_by_staff: bool = False,
) -> events.OrderConfirmationRequested:
    """The customer is the buying organisation, or the person when there is none."""
    customer = organisation or contact
    return events.OrderConfirmationRequested(number, email, customer, contact, asked_by_staff)


def change_setting(command: commands.ChangeSetting, uow: ports.UnitOfWork) -> None:
    uow.settings.set(command.key, command.value)


def _rule_price(uow: ports.UnitOfWork, command: commands.AddOrderLine):
    if not command.supplier_part_id:
        raise OrderEditRefused(
            f"order {command.order_number} new line: give a unit price, or our part number"
            " to price it by the pricing rules"
        )
    order = _order(uow, command.order_number)
    customer = uow.customers.get_by_id(order.customer_id) if order.customer_id else None
    code = customer.code if customer else None
    return uow.prices.price_for(command.supplier_part_id, code, command.quantity).unit_price


def _edit(uow: ports.UnitOfWork, number: str, what: str, edit: Callable, *args) -> EditResult:
    order = _order(uow, number)
    result = edit(order, *args)
    if result.changed:
        total = format(result.totals.total, "f")
        uow.emit(
            events.OrderEdited(order.number, what, result.line_number, [*result.changed], total)
        )
    if result.purchase_orders_may_need_changing:
        uow.emit(events.OrderFlagged(order.number, order.attention_reason))
    return result


def _order(uow: ports.UnitOfWork, number: str) -> Order:
    order = uow.orders.get(number)
    if order is None:
        raise NotFound(f"no order {number}")
    return order
