"""Comments on orders (M-102), written by staff, shown in the order view."""

from __future__ import annotations

from core import commands, events, ports
from core.errors import NotFound
from core.model.comments import OrderComment


def add_order_comment(command: commands.AddOrderComment, uow: ports.UnitOfWork) -> int:
    """Returns the new comment's id."""
    order = uow.orders.get(command.order_number)
    if order is None:
        raise NotFound(f"no order {command.order_number}")
    actor = uow.actor
    comment = OrderComment(order.id, actor.kind, actor.name, command.visibility, command.body)
    uow.comments.add(comment)
    uow.emit(events.OrderCommentAdded(order.number, comment.id, comment.visibility, actor.name))
    return comment.id
