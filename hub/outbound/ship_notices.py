"""Ship notices go to the buyer by themselves: when a shipment is recorded (by staff
or from a supplier's notice) for an order from a partner that has a ship_notice
endpoint, the notice is rendered in its channel and queued in the same transaction."""

from __future__ import annotations

import logging

from core import commands, events, ports
from core.errors import OrderB2BError
from core.handlers.outbound import queue_outbound
from hub.config import Config
from hub.outbound.renderers import render

log = logging.getLogger("orderb2b.outbound")
CHANNELS = ("cxml", "x12")


class BuyerShipNotices:
    name = "buyer_ship_notices"
    routing_keys = ("shipment.recorded",)

    def __init__(self, config: Config) -> None:
        self.config = config  # all the renderers read of the app inside a unit of work

    def handle(self, event: events.ShipmentRecorded, uow: ports.UnitOfWork) -> None:
        shipment = uow.shipments.get(event.shipment_number)
        order = shipment.order if shipment else None
        partner = uow.partners.get(order.partner) if order else None
        if partner is None or partner.channel not in CHANNELS:
            return
        endpoint = partner.endpoint("ship_notice")
        if not endpoint:
            return
        notice = shipment.to_ship_notice(order.to_canonical(), order.number)
        try:
            rendered = render(self, partner, notice, uow)
        except OrderB2BError as error:
            log.warning(
                "ship notice not rendered",
                extra={"shipment": shipment.number, "partner": partner.code, "error": str(error)},
            )
            return
        queued = commands.QueueOutbound(
            partner.code,
            partner.channel,
            "ship_notice",
            shipment.number,
            rendered.key,
            rendered.content_type,
            rendered.raw,
            endpoint,
        )
        queue_outbound(queued, uow)
