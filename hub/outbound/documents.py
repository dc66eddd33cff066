"""Builds the documents we send a buyer from our records, and queues them.

Rendering needs the partner's identities and the secret we present, which only
the hub can open; the core keeps the result and the sender delivers it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.cxml import outbound as cxml_out
from adapters.cxml.dtd import validate
from adapters.cxml.render import new_payload_id
from core import commands
from core.canonical import ConfirmationLine, OrderConfirmation
from core.errors import NotFound, OrderB2BError
from core.model.partners import Partner
from core.ports import Actor
from hub.bootstrap import App
from hub.secrets import SecretBox

CXML_CONTENT_TYPE = "text/xml; charset=UTF-8"


class PartnerNotReady(OrderB2BError):
    """The partner lacks an identity or secret that the document needs."""


def confirm_order(
    app: App,
    order_number: str,
    actor: Actor,
    *,
    status: str = "accept",
    lines: dict[int, ConfirmationLine] | None = None,
    comments: str | None = None,
) -> int:
    """Queue a cXML ConfirmationRequest for an order; returns the outbound document id."""
    with app.uow_factory(actor) as uow:
        order = uow.orders.get(order_number)
        if order is None:
            raise NotFound(f"no order {order_number}")
        partner = uow.partners.get(order.partner)
        canonical = order.to_canonical()
        uow.session.expunge_all()
    if partner is None:
        raise NotFound(f"order {order_number} comes from unknown partner {canonical.partner}")
    now = datetime.now(UTC)
    confirmation = OrderConfirmation(
        order=canonical,
        confirmation_id=f"{order_number}-{now:%Y%m%d%H%M%S}",
        supplier_order_number=order_number,
        status=status,
        confirmed_at=now,
        lines=_confirmed_lines(canonical, status, lines or {}),
        comments=comments,
    )
    payload_id = new_payload_id()
    try:
        raw = cxml_out.render_confirmation(
            confirmation,
            credentials(app, partner),
            payload_id=payload_id,
            timestamp=now,
            deployment_mode=partner.mode,
        )
    except ValueError as error:
        raise OrderB2BError(f"confirmation of {order_number}: {error}") from error
    validate(raw)
    return _queue(app, actor, partner, "order_confirmation", order_number, payload_id, raw)


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


def credentials(app: App, partner: Partner) -> cxml_out.Credentials:
    missing = [
        name
        for name in ("our_identity_domain", "our_identity", "identity_domain", "identity")
        if not getattr(partner, name)
    ]
    if missing or not partner.outbound_secret:
        missing += [] if partner.outbound_secret else ["outbound secret"]
        raise PartnerNotReady(f"partner {partner.code} needs {', '.join(missing)} to be set")
    secret = SecretBox.for_config(app.config).open(partner.outbound_secret)
    return cxml_out.Credentials(
        from_domain=partner.our_identity_domain,
        from_identity=partner.our_identity,
        to_domain=partner.identity_domain,
        to_identity=partner.identity,
        sender_domain=partner.our_identity_domain,
        sender_identity=partner.our_identity,
        shared_secret=secret,
    )


def _queue(app: App, actor: Actor, partner: Partner, kind: str, reference: str, key: str, raw):
    command = commands.QueueOutbound(
        partner.code, "cxml", kind, reference, key, CXML_CONTENT_TYPE, raw, partner.endpoint(kind)
    )
    return app.bus.execute(command, actor)
