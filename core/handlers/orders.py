"""Ingesting canonical orders: create once, amend, or cancel."""

from __future__ import annotations

from core import commands, events, ports
from core.canonical import CanonicalOrder
from core.errors import OrderB2BError
from core.model.orders import Order, format_number

CREATED, AMENDED, CANCELLED, DUPLICATE, FLAGGED = (
    "created",
    "amended",
    "cancelled",
    "duplicate",
    "flagged",
)


class OrderNotYetKnown(OrderB2BError):
    """A change refers to an order we have not seen; retried, since it may arrive yet."""


def ingest_order(command: commands.IngestOrder, uow: ports.UnitOfWork) -> tuple[str, str]:
    order = command.order
    existing = _find(order, uow)
    if order.change_kind == "new":
        if existing is not None:
            return DUPLICATE, existing.number
        return CREATED, _create(order, command.document_id, uow)
    if existing is None:
        raise OrderNotYetKnown(
            f"{order.change_kind} refers to unknown order {order.changes_order_ref or ''}"
            f" / {order.external_order_id}"
        )
    if order.source_document_id and existing.source_document_id == order.source_document_id:
        return DUPLICATE, existing.number
    if order.change_kind == "update":
        return _amend(existing, order, command.document_id, uow)
    return _cancel(existing, order, command.document_id, uow)


def _find(order: CanonicalOrder, uow: ports.UnitOfWork) -> Order | None:
    found = uow.orders.find_external(order.channel, order.partner, order.external_order_id)
    if found is None and order.changes_order_ref:
        found = uow.orders.find_by_source_document(
            order.channel, order.partner, order.changes_order_ref
        )
    return found


def _create(order: CanonicalOrder, document_id: int | None, uow: ports.UnitOfWork) -> str:
    number = format_number(uow.next_number("order"))
    uow.orders.add(Order.from_canonical(number, order, document_id))
    uow.emit(
        events.OrderReceived(
            number, order.channel, order.partner, order.external_order_id, document_id
        )
    )
    return number


def _amend(existing: Order, order: CanonicalOrder, document_id, uow) -> tuple[str, str]:
    existing.amend(order, document_id)
    uow.emit(events.OrderAmended(existing.number, document_id))
    return AMENDED, existing.number


def _cancel(existing: Order, order: CanonicalOrder, document_id, uow) -> tuple[str, str]:
    existing.source_document_id = order.source_document_id
    reason = order.comments or f"cancelled by {order.partner}"
    if existing.cancel(reason):
        uow.emit(events.OrderCancelled(existing.number, document_id))
        return CANCELLED, existing.number
    uow.emit(events.OrderFlagged(existing.number, existing.attention_reason))
    return FLAGGED, existing.number
