"""Builds the documents we send a buyer from our records, renders them in the
partner's channel and queues them; the sender delivers them."""

from __future__ import annotations

from datetime import UTC, datetime

from core import commands
from core.canonical import ConfirmationLine, OrderConfirmation
from core.errors import NotFound, OrderB2BError
from core.model.partners import Partner
from core.ports import Actor
from hub.bootstrap import App
from hub.outbound.renderers import render


def confirm_order(
    app: App,
    order_number: str,
    actor: Actor,
    *,
    status: str = "accept",
    lines: dict[int, ConfirmationLine] | None = None,
    comments: str | None = None,
    channel: str = "cxml",
) -> int:
    """Queue the order confirmation for an order; returns the outbound document id."""
    order, partner = _order_and_partner(app, order_number, actor, channel)
    now = datetime.now(UTC)
    confirmation = OrderConfirmation(
        order=order,
        confirmation_id=f"{order_number}-{now:%Y%m%d%H%M%S}",
        supplier_order_number=order_number,
        status=status,
        confirmed_at=now,
        lines=_confirmed_lines(order, status, lines or {}),
        comments=comments,
    )
    return queue(app, actor, partner, "order_confirmation", order_number, confirmation)


def send_ship_notice(app: App, shipment_number: str, actor: Actor, channel: str) -> int:
    """Queue the ship notice of one of our shipments for the buyer."""
    return _send_record(app, actor, channel, "ship_notice", shipment_number)


def send_invoice(app: App, invoice_number: str, actor: Actor, channel: str) -> int:
    """Queue one of our invoices (or credit notes) for the buyer."""
    return _send_record(app, actor, channel, "invoice", invoice_number)


def _send_record(app: App, actor: Actor, channel: str, kind: str, number: str) -> int:
    with app.uow_factory(actor) as uow:
        repository = uow.shipments if kind == "ship_notice" else uow.invoices
        record = repository.get(number)
        if record is None:
            raise NotFound(f"no {'shipment' if kind == 'ship_notice' else 'invoice'} {number}")
        order = record.order
        canonical = order.to_canonical()
        if kind == "ship_notice":
            document = record.to_ship_notice(canonical, order.number)
        else:
            document = record.to_canonical(canonical, order.number)
        partner = uow.partners.get(order.partner)
        uow.detach()
    partner = partner_for(canonical.partner, partner, channel, order.number)
    return queue(app, actor, partner, kind, number, document)


def queue(app: App, actor: Actor, partner: Partner, kind: str, reference: str, document) -> int:
    """Render a canonical document for the partner and keep it for delivery."""
    rendered = render(app, partner, document)
    command = commands.QueueOutbound(
        partner.code,
        partner.channel,
        kind,
        reference,
        rendered.key,
        rendered.content_type,
        rendered.raw,
        partner.endpoint(kind),
    )
    return app.bus.execute(command, actor)


def _order_and_partner(app: App, order_number: str, actor: Actor, channel: str):
    with app.uow_factory(actor) as uow:
        order = uow.orders.get(order_number)
        if order is None:
            raise NotFound(f"no order {order_number}")
        partner = uow.partners.get(order.partner)
        canonical = order.to_canonical()
        uow.detach()
    return canonical, partner_for(canonical.partner, partner, channel, order_number)


def partner_for(code: str, partner: Partner | None, channel: str, order_number: str) -> Partner:
    if partner is None:
        raise NotFound(f"order {order_number} comes from unknown partner {code}")
    if partner.channel != channel:
        raise OrderB2BError(
            f"partner {partner.code} takes {partner.channel} documents, not {channel}"
        )
    return partner


def _confirmed_lines(order, status: str, overrides: dict[int, ConfirmationLine]):
    if status in ("accept", "reject") and not overrides:
        return ()
    unknown = set(overrides) - {line.line_number for line in order.lines}
    if unknown:
        raise OrderB2BError(f"the order has no line {', '.join(map(str, sorted(unknown)))}")
    line_status = "accept" if status == "detail" else status
    return tuple(
        overrides.get(line.line_number)
        or ConfirmationLine(
            line.line_number,
            line_status,
            line.quantity,
            line.unit_of_measure,
            unit_price=line.unit_price,
            supplier_part_id=line.supplier_part_id,
            buyer_part_id=line.buyer_part_id,
        )
        for line in order.lines
    )
