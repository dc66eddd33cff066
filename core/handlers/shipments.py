"""Recording shipments: checked against the order's open quantities, numbered
without gaps in the same transaction."""

from __future__ import annotations

from core import commands, events, ports
from core.errors import NotFound
from core.model.shipments import COUNTER, Shipment, ShipmentDetails, format_number


def record_shipment(command: commands.RecordShipment, uow: ports.UnitOfWork) -> str:
    order = uow.orders.get(command.order_number)
    if order is None:
        raise NotFound(f"no order {command.order_number}")
    number = format_number(uow.next_counter(COUNTER)[0])
    shipment = Shipment.ship(number, order, command.lines, _details(command))
    uow.shipments.add(shipment)
    uow.emit(
        events.ShipmentRecorded(number, order.number, shipment.carrier, shipment.tracking_number)
    )
    return number


def _details(command: commands.RecordShipment) -> ShipmentDetails:
    return ShipmentDetails(
        carrier=command.carrier,
        tracking_number=command.tracking_number,
        carrier_code=command.carrier_code,
        service=command.service,
        shipped_at=command.shipped_at,
        delivery_date=command.delivery_date,
        packages=command.packages,
        weight=command.weight,
        weight_unit=command.weight_unit,
        comments=command.comments,
    )
