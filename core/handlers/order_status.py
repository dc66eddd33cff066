"""Staff moving an order through its status workflow, and backordering its lines."""

from __future__ import annotations

from core import commands, events, ports
from core.errors import NotFound
from core.model.orders import Order


def change_order_status(
    command: commands.ChangeOrderStatus, uow: ports.UnitOfWork
) -> tuple[str, str]:
    """Returns the order's status before and after."""
    order = _order(uow, command.order_number)
    old = order.status
    order.act(command.action, command.reason)
    uow.emit(events.OrderStatusChanged(order.number, old, order.status, command.reason))
    return old, order.status


def backorder_line(command: commands.BackorderLine, uow: ports.UnitOfWork) -> tuple[str, str]:
    """Returns the order's status before and after."""
    order = _order(uow, command.order_number)
    old = order.status
    order.backorder_line(command.line_number, command.quantity, command.expected_date)
    expected = command.expected_date.isoformat() if command.expected_date else None
    uow.emit(
        events.OrderLineBackordered(
            order.number, command.line_number, str(command.quantity), expected
        )
    )
    if order.status != old:
        what = "backordered" if command.quantity else "backorder cleared"
        reason = f"line {command.line_number} {what}"
        uow.emit(events.OrderStatusChanged(order.number, old, order.status, reason))
    return old, order.status


def _order(uow: ports.UnitOfWork, number: str) -> Order:
    order = uow.orders.get(number)
    if order is None:
        raise NotFound(f"no order {number}")
    return order
