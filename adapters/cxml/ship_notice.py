"""cXML ShipNoticeRequest: one shipment of (part of) a buyer's order."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from adapters.cxml.envelope import (
    LANG,
    Credentials,
    add,
    add_contact,
    add_item_id,
    add_order_reference,
    day_text,
    document,
    ordered_line,
    quantity_text,
    timestamp_text,
)
from core.canonical import ShipmentLine, ShipNotice

# UN/CEFACT Recommendation 20 codes for the weight units carriers report.
WEIGHT_UNITS = {"LB": "LBR", "LBS": "LBR", "KG": "KGM", "OZ": "ONZ", "G": "GRM"}


def render_ship_notice(
    notice: ShipNotice,
    credentials: Credentials,
    *,
    payload_id: str,
    timestamp: datetime,
    deployment_mode: str = "production",
) -> bytes:
    """The ShipNoticeRequest document for `notice`; `timestamp` is also its noticeDate."""
    if not notice.lines:
        raise ValueError(f"ship notice {notice.shipment_id} ships no lines")
    if not notice.tracking_number:
        raise ValueError(f"ship notice {notice.shipment_id} has no tracking number")
    request = etree.Element("ShipNoticeRequest")
    _header(request, notice, timestamp)
    _control(request, notice)
    _portion(request, notice)
    return document(
        "Fulfill.dtd",
        credentials,
        request,
        payload_id=payload_id,
        timestamp=timestamp,
        deployment_mode=deployment_mode,
    )


def _header(request: etree._Element, notice: ShipNotice, timestamp: datetime) -> None:
    attrs = {
        "shipmentID": notice.shipment_id,
        "operation": "new",
        "noticeDate": timestamp_text(timestamp),
        "shipmentDate": timestamp_text(notice.shipped_at),
    }
    if notice.delivery_date is not None:
        attrs["deliveryDate"] = day_text(notice.delivery_date, notice.shipped_at.tzinfo)
    attrs["shipmentType"] = "actual"
    attrs["fulfillmentType"] = "complete" if _ships_whole_order(notice) else "partial"
    header = add(request, "ShipNoticeHeader", **attrs)
    if notice.service:
        add(header, "ServiceLevel", notice.service, lang=LANG)
    if notice.ship_from is not None:
        add_contact(header, "shipFrom", notice.ship_from)
    ship_to = notice.ship_to or notice.order.ship_to
    if ship_to is not None:
        add_contact(header, "shipTo", ship_to)
    if notice.comments:
        add(header, "Comments", notice.comments, lang=LANG)
    if notice.weight is not None:
        _weight(header, notice)
    if notice.supplier_order_number:
        add(
            header,
            "IdReference",
            identifier=notice.supplier_order_number,
            domain="supplierReference",
        )


def _ships_whole_order(notice: ShipNotice) -> bool:
    """Whether this shipment carries every ordered line in full."""
    shipped = {line.line_number: line.quantity for line in notice.lines}
    return all(shipped.get(line.line_number, 0) >= line.quantity for line in notice.order.lines)


def _weight(header: etree._Element, notice: ShipNotice) -> None:
    unit = notice.weight_unit.strip().upper()
    packaging = add(header, "Packaging")
    dimension = add(
        packaging, "Dimension", quantity=quantity_text(notice.weight), type="grossWeight"
    )
    add(dimension, "UnitOfMeasure", WEIGHT_UNITS.get(unit, unit))


def _control(request: etree._Element, notice: ShipNotice) -> None:
    """The carrier (by SCAC and by name) and the tracking number."""
    control = add(request, "ShipControl")
    if notice.carrier_code:
        add(control, "CarrierIdentifier", notice.carrier_code, domain="SCAC")
    add(control, "CarrierIdentifier", notice.carrier, domain="companyName")
    add(control, "ShipmentIdentifier", notice.tracking_number, domain="trackingNumber")
    if notice.packages >= 1:
        add(control, "PackageIdentification", rangeBegin="1", rangeEnd=str(notice.packages))


def _portion(request: etree._Element, notice: ShipNotice) -> None:
    portion = add(request, "ShipNoticePortion")
    add_order_reference(portion, notice.order)
    for line in notice.lines:
        _item(portion, notice, line)


def _item(portion: etree._Element, notice: ShipNotice, line: ShipmentLine) -> None:
    ordered = ordered_line(notice.order, line.line_number)
    item = add(
        portion,
        "ShipNoticeItem",
        quantity=quantity_text(line.quantity),
        lineNumber=str(line.line_number),
    )
    supplier_part_id = line.supplier_part_id or (ordered.supplier_part_id if ordered else None)
    buyer_part_id = line.buyer_part_id or (ordered.buyer_part_id if ordered else None)
    add_item_id(item, supplier_part_id, buyer_part_id)
    add(item, "UnitOfMeasure", line.unit_of_measure)
    if ordered is not None:
        quantity = add(item, "OrderedQuantity", quantity=quantity_text(ordered.quantity))
        add(quantity, "UnitOfMeasure", ordered.unit_of_measure)
