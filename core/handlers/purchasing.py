"""Purchasing: suppliers, assigning sales-order lines to them, and the life of a
purchase order from draft to shipped — including what suppliers send back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from core import commands, events, ports
from core.canonical import ReceivedConfirmation, ReceivedShipNotice
from core.errors import NotFound
from core.handlers.outbound import queue_outbound
from core.model.orders import Order
from core.model.purchasing import (
    CANCELLED,
    COUNTER,
    DRAFT,
    PurchaseOrder,
    PurchasingRefused,
    Supplier,
    assignable_quantity,
    format_number,
    override,
    unit_cost_of,
)
from core.model.shipments import COUNTER as SHIPMENT_COUNTER
from core.model.shipments import (
    Shipment,
    ShipmentDetails,
    ShipmentRefused,
    check_details,
    shipment_quantities,
)
from core.model.shipments import format_number as shipment_number


def add_supplier(command: commands.AddSupplier, uow: ports.UnitOfWork) -> str:
    if uow.purchasing.supplier(command.code) is not None:
        raise PurchasingRefused(f"supplier {command.code} exists already")
    supplier = Supplier(command.code, command.name, command.channel, **command.values)
    supplier.service_secret = command.service_secret
    uow.purchasing.add_supplier(supplier)
    return supplier.code


def change_supplier(command: commands.ChangeSupplier, uow: ports.UnitOfWork) -> list[str]:
    supplier = _supplier(uow, command.code)
    changed = supplier.change(**command.values)
    if command.service_secret is not None:
        supplier.service_secret = command.service_secret
        changed.append("service_secret")
    return changed


def assign_supplier(command: commands.AssignSupplier, uow: ports.UnitOfWork) -> str:
    order = _order(uow, command.order_number)
    supplier = _supplier(uow, command.supplier_code)
    if supplier.archived:
        raise PurchasingRefused(f"supplier {supplier.code} is archived")
    line = next((li for li in order.lines if li.line_number == command.line_number), None)
    if line is None or line.status == "removed":
        raise NotFound(f"order {order.number} has no line {command.line_number}")
    existing = uow.purchasing.for_order(order.id)
    free = assignable_quantity(line, existing)
    quantity = command.quantity if command.quantity is not None else free
    if quantity <= 0 or quantity > free:
        raise PurchasingRefused(
            f"order {order.number} line {line.line_number}: {free} {line.unit_of_measure}"
            " left to buy"
        )
    po = _draft_for(uow, existing, supplier, order, command.dropship)
    known = uow.purchasing.catalogue_cost(line.supplier_part_id, supplier.code)
    part = known.supplier_part_id if known else line.supplier_part_id
    if command.unit_cost is not None:
        po_line = po.add_line(
            line, quantity, command.unit_cost, supplier_part_id=part, cost_source="override"
        )
        override(po_line, command.unit_cost, command.reason, uow.actor.name)
    else:
        cost, source = unit_cost_of(supplier, command.live_price, known.cost if known else None)
        po.add_line(line, quantity, cost, supplier_part_id=part, cost_source=source)
    return po.number


def _draft_for(
    uow, existing, supplier: Supplier, order: Order, dropship: str | None
) -> PurchaseOrder:
    for po in existing:
        if po.state == DRAFT and po.supplier_code == supplier.code and po.dropship == dropship:
            return po
    po = PurchaseOrder(format_number(uow.next_counter(COUNTER)[0]), supplier, order, dropship)
    uow.purchasing.add(po)
    return po


def change_purchase_order(command: commands.ChangePurchaseOrder, uow: ports.UnitOfWork) -> None:
    _purchase_order(uow, command.number).change(ship_to=command.ship_to, notes=command.notes)


def change_purchase_order_line(
    command: commands.ChangePurchaseOrderLine, uow: ports.UnitOfWork
) -> None:
    po = _purchase_order(uow, command.number)
    if command.remove:
        po.remove_line(command.line_number)
        return
    line = po.line(command.line_number)
    sales_line = next(li for li in po.order.lines if li.id == line.order_line_id)
    po.change_line(
        command.line_number,
        quantity=command.quantity,
        unit_cost=command.unit_cost,
        reason=command.reason,
        actor=uow.actor.name,
        assignable=assignable_quantity(sales_line, uow.purchasing.for_order(po.order.id)),
    )


def send_purchase_order(command: commands.SendPurchaseOrder, uow: ports.UnitOfWork) -> int | None:
    """Freeze the PO and queue it: a cXML or X12 document for the supplier's
    endpoint, or its PDF for the mailer. Returns the outbound document id."""
    po = _purchase_order(uow, command.number, lock=True)
    supplier = _supplier(uow, po.supplier_code)
    po.send(datetime.now(UTC))
    document_id = None
    if po.channel == "email":
        uow.purchasing.keep_pdf(po.number, command.raw)
        recipient = command.recipient or supplier.email
        digest = hashlib.sha256(command.raw).hexdigest()
        uow.emit(events.PurchaseOrderEmailRequested(po.number, supplier.code, recipient, digest))
    else:
        queued = commands.QueueOutbound(
            supplier.partner_code,
            po.channel,
            "purchase_order",
            po.number,
            command.document_key,
            command.content_type,
            command.raw,
            command.endpoint,
        )
        document_id = queue_outbound(queued, uow)
        po.outbound_document_id = document_id
    uow.emit(
        events.PurchaseOrderSent(po.number, po.order.number, supplier.code, po.channel, po.dropship)
    )
    return document_id


def cancel_purchase_order(command: commands.CancelPurchaseOrder, uow: ports.UnitOfWork) -> None:
    if not command.reason.strip():
        raise PurchasingRefused("cancelling a PO needs a reason")
    po = _purchase_order(uow, command.number, lock=True)
    po.cancel()
    po.comment(f"Cancelled: {command.reason.strip()}", uow.actor.name, False)


def comment_purchase_order(command: commands.CommentPurchaseOrder, uow: ports.UnitOfWork) -> int:
    po = _purchase_order(uow, command.number)
    comment = po.comment(command.text, uow.actor.name, command.send_to_supplier)
    uow.purchasing.add(po)
    uow.emit(events.PurchaseOrderCommented(po.number, comment.id, command.send_to_supplier))
    return comment.id


def record_supplier_confirmation(
    command: commands.RecordSupplierConfirmation, uow: ports.UnitOfWork
) -> str:
    confirmation = command.confirmation
    po = _supplier_po(uow, confirmation.partner, confirmation.po_number)
    now = confirmation.confirmed_at or datetime.now(UTC)
    po.confirm(
        confirmation.status,
        confirmation.confirmation_id,
        confirmation.supplier_order_number,
        now,
        confirmation.lines,
    )
    uow.emit(events.PurchaseOrderConfirmed(po.number, po.state, confirmation.confirmation_id))
    return po.number


def record_supplier_shipment(
    command: commands.RecordSupplierShipment, uow: ports.UnitOfWork
) -> str:
    """The supplier's shipment becomes a shipment of the sales order; a notice
    recorded before (same PO and shipment id) records nothing again. Everything is
    checked before anything changes."""
    notice = command.notice
    po = _supplier_po(uow, notice.partner, notice.po_number)
    earlier = uow.purchasing.shipment_of(po.id, notice.shipment_id)
    if earlier is not None:
        return earlier
    quantities = _po_quantities(notice)
    sales = po.shipped_quantities(quantities)
    details = _details(notice)
    try:
        check_details(details)
        shipment_quantities(po.order, sales)
    except ShipmentRefused as refused:
        raise PurchasingRefused(f"{po.number}: {refused}") from None
    po.receive_shipment(quantities)
    number = shipment_number(uow.next_counter(SHIPMENT_COUNTER)[0])
    shipment = Shipment.ship(number, po.order, sales, details)
    shipment.purchase_order_id = po.id
    shipment.supplier_shipment_id = notice.shipment_id
    uow.shipments.add(shipment)
    uow.emit(
        events.ShipmentRecorded(number, po.order.number, shipment.carrier, shipment.tracking_number)
    )
    return number


def _po_quantities(notice) -> dict[int, Decimal]:
    quantities: dict[int, Decimal] = {}
    for line in notice.lines:
        quantities[line.line_number] = quantities.get(line.line_number, Decimal(0)) + line.quantity
    return quantities


def record_command(document, document_id: int | None):
    """The command that records a supplier's document of either kind."""
    if isinstance(document, ReceivedShipNotice):
        return commands.RecordSupplierShipment(document, document_id)
    if isinstance(document, ReceivedConfirmation):
        return commands.RecordSupplierConfirmation(document, document_id)
    raise TypeError(f"not a supplier document: {type(document).__name__}")


def check_supplier_document(command, uow: ports.UnitOfWork) -> None:
    """Refuse, changing nothing, a supplier's document that could not be recorded."""
    if isinstance(command, commands.RecordSupplierConfirmation):
        po = _supplier_po(uow, command.confirmation.partner, command.confirmation.po_number)
        if po.state in (DRAFT, CANCELLED):
            raise PurchasingRefused(f"{po.number} is {po.state}: it was not sent")
        return
    notice = command.notice
    po = _supplier_po(uow, notice.partner, notice.po_number)
    if uow.purchasing.shipment_of(po.id, notice.shipment_id) is None:
        po.shipped_quantities(_po_quantities(notice))


def record_supplier_document(command, uow: ports.UnitOfWork) -> str:
    if isinstance(command, commands.RecordSupplierConfirmation):
        return record_supplier_confirmation(command, uow)
    return record_supplier_shipment(command, uow)


def _details(notice) -> ShipmentDetails:
    carrier = notice.carrier or notice.carrier_code or "unknown carrier"
    return ShipmentDetails(
        carrier=carrier,
        tracking_number=notice.tracking_number,
        carrier_code=notice.carrier_code,
        service=notice.service,
        shipped_at=notice.shipped_at,
        delivery_date=notice.delivery_date,
        packages=notice.packages,
        weight=notice.weight,
        weight_unit=notice.weight_unit,
        comments=notice.comments,
    )


def refresh_supplier_availability(
    command: commands.RefreshSupplierAvailability, uow: ports.UnitOfWork
) -> None:
    answered = [(answer.supplier_part_id, _answer_values(answer)) for answer in command.answers]
    failed = command.parts if command.error else ()
    uow.purchasing.keep_availability(
        command.supplier_code, answered, failed, command.error, datetime.now(UTC)
    )


def _answer_values(answer) -> dict:
    return {
        "found": answer.found,
        "unit_price": None if answer.unit_price is None else format(answer.unit_price, "f"),
        "currency": answer.currency,
        "unit_of_measure": answer.unit_of_measure,
        "eta": answer.eta.isoformat() if answer.eta else None,
        "warehouses": [
            {"warehouse": stock.warehouse, "quantity": format(stock.quantity, "f")}
            for stock in answer.warehouses
        ],
    }


def _supplier_po(uow: ports.UnitOfWork, partner: str, po_number: str) -> PurchaseOrder:
    """The PO a supplier's document names, refused unless it went to that supplier:
    sent by its trading partner, or fetched from its own API ("supplier:<code>")."""
    po = _purchase_order(uow, po_number, lock=True)
    supplier = _supplier(uow, po.supplier_code)
    if partner not in (supplier.partner_code, f"supplier:{supplier.code}"):
        raise NotFound(f"no purchase order {po_number} for partner {partner}")
    return po


def _order(uow: ports.UnitOfWork, number: str) -> Order:
    order = uow.orders.get(number)
    if order is None:
        raise NotFound(f"no order {number}")
    return order


def _supplier(uow: ports.UnitOfWork, code: str) -> Supplier:
    supplier = uow.purchasing.supplier(code)
    if supplier is None:
        raise NotFound(f"no supplier {code}")
    return supplier


def _purchase_order(uow: ports.UnitOfWork, number: str, *, lock: bool = False) -> PurchaseOrder:
    po = uow.purchasing.get(number, lock=lock)
    if po is None:
        raise NotFound(f"no purchase order {number}")
    return po
