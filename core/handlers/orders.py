"""Ingesting canonical orders: create once, amend, or cancel.

Works on a batch so that a consumer's hundred orders cost one lookup of the orders
they refer to, one draw of order numbers and one flush.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from core import commands, events, ports
from core.canonical import CanonicalOrder
from core.errors import OrderB2BError
from core.handlers.order_edits import confirmation_requested
from core.model.order_edits import CONFIRMATION_EMAIL
from core.model.orders import Order, format_number

CREATED, AMENDED, CANCELLED, DUPLICATE, FLAGGED = (
    "created",
    "amended",
    "cancelled",
    "duplicate",
    "flagged",
)

Key = tuple[str, str, str]
# Channels whose documents are the whole order as it is now, not a change to it.
SNAPSHOT_CHANNELS = frozenset({"mws", "spapi", "newegg"})


class NewOrder(NamedTuple):
    """An order created earlier in this batch, not yet written."""

    number: str
    source_document_id: str | None
    source_version: str | None = None


class OrderNotYetKnown(OrderB2BError):
    """A change refers to an order we have not seen; retried, since it may arrive yet."""


def ingest_order(command: commands.IngestOrder, uow: ports.UnitOfWork) -> tuple[str, str]:
    return ingest_orders([command], uow)[0]


def ingest_orders(
    batch: Sequence[commands.IngestOrder], uow: ports.UnitOfWork
) -> list[tuple[str, str]]:
    known = uow.orders.find_external_many({_key(c.order) for c in batch})
    new_keys = {_key(c.order) for c in batch if _may_create(c.order)} - known.keys()
    new_count = len(new_keys)
    numbers = iter(uow.next_numbers("order", new_count)) if new_count else iter(())
    # The customers new orders belong to, by partner code: one lookup per batch.
    customers = uow.customers.ids_by_partner({p for _, p, _ in new_keys}) if new_count else {}
    with uow.no_autoflush():
        results = [_ingest(c.order, c.document_id, known, numbers, uow, customers) for c in batch]
    # The confirmation email setting: read once per batch, and only for new orders.
    if new_count and (uow.settings.get(CONFIRMATION_EMAIL) or uow.customers.some_group_confirms()):
        _request_confirmations(batch, results, uow)
    return results


def _request_confirmations(batch, results: list[tuple[str, str]], uow) -> None:
    for command, (outcome, number) in zip(batch, results, strict=True):
        order = command.order
        if outcome == CREATED and order.buyer_contact.email:
            contact = order.buyer_contact
            event = confirmation_requested(
                number, contact.email, order.buyer_organisation, contact.name
            )
            uow.emit(event)


def _may_create(order: CanonicalOrder) -> bool:
    return order.change_kind == "new" or (
        order.change_kind == "cancel" and order.channel in SNAPSHOT_CHANNELS
    )


def _key(order: CanonicalOrder) -> Key:
    return order.channel, order.partner, order.external_order_id


def _ingest(
    order, document_id, known: dict[Key, Order | NewOrder], numbers, uow, customers
) -> tuple[str, str]:
    existing = known.get(_key(order)) or _find_by_reference(order, uow)
    if order.change_kind == "new":
        if existing is not None and not _newer_snapshot(order, existing):
            return DUPLICATE, existing.number
        if existing is not None:
            return _amend(_loaded(existing, uow), order, document_id, uow)
        number = format_number(next(numbers))
        _create(order, document_id, number, uow, customers.get(order.partner))
        known[_key(order)] = NewOrder(number, order.source_document_id, order.source_version)
        return CREATED, number
    existing = _loaded(existing, uow)
    if existing is None and order.change_kind == "cancel" and order.channel in SNAPSHOT_CHANNELS:
        # A marketplace order cancelled before we first saw it: kept, as cancelled.
        new = replace(order, change_kind="new")
        _, number = _ingest(new, document_id, known, numbers, uow, customers)
        return _cancel(uow.orders.get(number), order, document_id, uow)
    if existing is None:
        raise OrderNotYetKnown(
            f"{order.change_kind} refers to unknown order {order.changes_order_ref or ''}"
            f" / {order.external_order_id}"
        )
    if order.source_document_id and existing.source_document_id == order.source_document_id:
        return DUPLICATE, existing.number
    if order.change_kind == "update":
        return _amend(existing, order, document_id, uow)
    return _cancel(existing, order, document_id, uow)


def _newer_snapshot(order: CanonicalOrder, existing: Order | NewOrder) -> bool:
    """Marketplaces send the whole order again whenever it changes (payment cleared,
    address added): a later version amends the order; the same or an older one is a
    duplicate, so overlapping polls and late pages change nothing."""
    if order.channel not in SNAPSHOT_CHANNELS or not order.source_version:
        return False
    return order.source_version > (existing.source_version or "")


def _loaded(existing: Order | NewOrder | None, uow: ports.UnitOfWork) -> Order | None:
    if isinstance(existing, NewOrder):
        return uow.orders.get(existing.number)
    return existing


def _find_by_reference(order: CanonicalOrder, uow: ports.UnitOfWork) -> Order | None:
    if order.change_kind == "new" or not order.changes_order_ref:
        return None
    return uow.orders.find_by_source_document(order.channel, order.partner, order.changes_order_ref)


def _create(order: CanonicalOrder, document_id, number: str, uow, customer_id) -> None:
    uow.orders.create(number, order, document_id, customer_id=customer_id)
    uow.emit(
        events.OrderReceived(
            number, order.channel, order.partner, order.external_order_id, document_id
        )
    )


def _amend(existing: Order, order: CanonicalOrder, document_id, uow) -> tuple[str, str]:
    existing.amend(order, document_id)
    uow.emit(events.OrderAmended(existing.number, document_id))
    return AMENDED, existing.number


def _cancel(existing: Order, order: CanonicalOrder, document_id, uow) -> tuple[str, str]:
    existing.source_document_id = order.source_document_id
    existing.source_version = order.source_version or existing.source_version
    reason = order.comments or f"cancelled by {order.partner}"
    if existing.cancel(reason):
        uow.emit(events.OrderCancelled(existing.number, document_id))
        return CANCELLED, existing.number
    uow.emit(events.OrderFlagged(existing.number, existing.attention_reason))
    return FLAGGED, existing.number
