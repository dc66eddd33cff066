"""Outbound X12 004010 documents: 855 acknowledgment, 856 ship notice, 810 invoice,
and the 850 purchase order we send a supplier.

Each function returns a complete interchange (ISA..IEA, one functional group, one
transaction set) built from the canonical outbound documents of core.canonical and an
Envelope. A value that holds a delimiter or is too long for its element raises
RenderError (see adapters.x12.writer).

855: BAK02 is AD when every line is accepted as ordered, AC when a line changes
(quantity, price, backorder, rejection, detail), AK without lines; RD or RJ for a
rejection with or without lines. ACK01 per line: IA accepted, IQ quantity changed,
IP price changed, IC accepted with changes ("detail"), IB backordered, IR rejected.
856: hierarchy 0004 (shipment, order, item). 810: BIG07 CR for a credit note, DI
otherwise; TDS01 is the total in cents. The 856 has no segment for free-text notes in
004010, so ShipNotice.comments are not sent.

850: BEG02 is DS (drop ship) when the PO has extrinsics["dropship"], SA otherwise;
the ST loop is then the end customer. PO1 carries VP (supplier part), MG and MF
(manufacturer part and name) and BP (our SKU); a requested delivery date shared by
every line is one header DTM*002, otherwise each line has its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from adapters.x12.writer import (
    Envelope,
    RenderError,
    Row,
    cents,
    chunks,
    date_text,
    decimal_text,
    limit,
    time_text,
    write_interchange,
)
from core.canonical import (
    Address,
    CanonicalOrder,
    ConfirmationLine,
    Invoice,
    OrderConfirmation,
    OrderLine,
    ShipmentLine,
    ShipNotice,
)

__all__ = ["Envelope", "RenderError", "render_810", "render_850", "render_855", "render_856"]

_LINE_STATUS = {"reject": "IR", "backorder": "IB", "detail": "IC"}
_SHIPPED = "011"
_ESTIMATED_DELIVERY = "017"
_SCHEDULED_SHIP = "068"
_SCHEDULED_DELIVERY = "067"
_SHIPMENT_ORDER_ITEM = "0004"
_CARTON = "CTN25"
_FREIGHT = "D240"
_DISCOUNT = "C310"
_DELIVERY_REQUESTED = "002"
_STAND_ALONE = "SA"
_DROP_SHIP = "DS"
_PO_PURPOSES = {"new": "00", "update": "04", "cancel": "01"}


def render_855(confirmation: OrderConfirmation, envelope: Envelope, now: datetime) -> bytes:
    """The purchase order acknowledgment of an order confirmation."""
    order = confirmation.order
    ordered = {line.line_number: line for line in order.lines}
    rows: list[Row] = [
        (
            "BAK",
            "00",
            _acknowledgment_type(confirmation, ordered),
            _po_number(order, "BAK03"),
            date_text(_po_date(order, "BAK04")),
            "",
            "",
            "",
            limit(confirmation.supplier_order_number, 30, "BAK08 seller's order number"),
            date_text(confirmation.confirmed_at),
        )
    ]
    rows.extend(_currency(order.currency))
    rows.extend(_messages(confirmation.comments))
    rows.extend(_party("ST", order.ship_to))
    for line in confirmation.lines:
        rows.extend(_acknowledged_line(line, ordered.get(line.line_number)))
    quantities = (_ordered(line, ordered).quantity for line in confirmation.lines)
    rows.append(("CTT", str(len(confirmation.lines)), decimal_text(sum(quantities, Decimal(0)))))
    return write_interchange(envelope, "PR", [("855", rows)], now)


def render_856(notice: ShipNotice, envelope: Envelope, now: datetime) -> bytes:
    """The ship notice of one shipment: shipment, order and item levels."""
    order = notice.order
    rows: list[Row] = [
        (
            "BSN",
            "00",
            limit(notice.shipment_id, 30, "BSN02 shipment id"),
            date_text(notice.shipped_at),
            time_text(notice.shipped_at),
            _SHIPMENT_ORDER_ITEM,
        ),
        ("HL", "1", "", "S", "1"),
        _lading(notice),
        _carrier(notice),
        ("REF", "CN", limit(notice.tracking_number, 30, "REF02 tracking number")),
        _shipped(notice.shipped_at),
    ]
    if notice.delivery_date is not None:
        rows.append(("DTM", _ESTIMATED_DELIVERY, date_text(notice.delivery_date)))
    rows.extend(_party("ST", notice.ship_to or order.ship_to))
    rows.extend(_party("SF", notice.ship_from))
    rows.append(("HL", "2", "1", "O", "1" if notice.lines else "0"))
    rows.append(_purchase_order_reference(order))
    rows.append(("REF", "VN", limit(notice.supplier_order_number, 30, "REF02 order number")))
    for number, line in enumerate(notice.lines, start=3):
        rows.extend(_shipped_item(number, line))
    total = sum((line.quantity for line in notice.lines), Decimal(0))
    rows.append(("CTT", str(len(notice.lines) + 2), decimal_text(total)))
    return write_interchange(envelope, "SH", [("856", rows)], now)


def render_810(invoice: Invoice, envelope: Envelope, now: datetime) -> bytes:
    """The invoice (or credit note) of an order."""
    order = invoice.order
    rows: list[Row] = [
        (
            "BIG",
            date_text(invoice.invoice_date),
            limit(invoice.invoice_number, 22, "BIG02 invoice number"),
            date_text(_po_date(order, "BIG03")),
            _po_number(order, "BIG04"),
            "",
            "",
            "CR" if invoice.purpose == "credit" else "DI",
        )
    ]
    rows.extend(("NTE", "GEN", text) for text in chunks(invoice.comments or "", 80))
    rows.extend(_currency(invoice.currency))
    rows.append(("REF", "VN", limit(invoice.supplier_order_number, 30, "REF02 order number")))
    rows.extend(_party("BT", invoice.bill_to or order.bill_to))
    rows.extend(_party("RI", invoice.remit_to))
    rows.extend(_party("ST", order.ship_to))
    if invoice.net_days is not None:
        rows.append(("ITD", "05", "3", "", "", "", "", str(invoice.net_days)))
    for line in invoice.lines:
        rows.append(
            (
                "IT1",
                str(line.line_number),
                decimal_text(line.quantity),
                line.unit_of_measure,
                decimal_text(line.unit_price),
                "",
                *_product_ids(line.buyer_part_id, line.supplier_part_id),
            )
        )
        rows.extend(_descriptions(line.description))
    rows.extend(_invoice_summary(invoice))
    return write_interchange(envelope, "IN", [("810", rows)], now)


def render_850(po: CanonicalOrder, envelope: Envelope, now: datetime) -> bytes:
    """The purchase order we send a supplier (a CanonicalOrder, see core.canonical)."""
    if not po.lines:
        raise RenderError(f"purchase order {po.external_order_id} has no lines")
    dropship = po.extrinsics.get("dropship")
    if dropship and po.ship_to is None:
        raise RenderError(f"drop-shipped purchase order {po.external_order_id} has no ship-to")
    rows: list[Row] = [
        (
            "BEG",
            _PO_PURPOSES[po.change_kind],
            _DROP_SHIP if dropship else _STAND_ALONE,
            _po_number(po, "BEG03"),
            "",
            date_text(_po_date(po, "BEG05")),
        ),
        ("CUR", "BY", po.currency),
        *_po_references(po),
        *_buyer_contact(po),
    ]
    if po.payment is not None and po.payment.net_days is not None:
        rows.append(("ITD", "05", "3", "", "", "", "", str(po.payment.net_days)))
    delivery = _shared_delivery_date(po.lines)
    if delivery is not None:
        rows.append(("DTM", _DELIVERY_REQUESTED, date_text(delivery)))
    if po.shipping_method:
        rows.append(("TD5", "", "", "", "", limit(po.shipping_method, 35, "TD505 routing")))
    rows.extend(_messages(po.comments))
    rows.extend(_party("ST", po.ship_to))
    rows.extend(_party("BT", po.bill_to))
    if po.buyer_organisation:
        rows.extend(_party("BY", Address(name=po.buyer_organisation)))
    for line in po.lines:
        rows.extend(_ordered_line(line, dated=delivery is None))
    total = sum((line.quantity for line in po.lines), Decimal(0))
    rows.append(("CTT", str(len(po.lines)), decimal_text(total)))
    if po.total_amount is not None:
        rows.append(("AMT", "TT", decimal_text(po.total_amount)))
    return write_interchange(envelope, "PO", [("850", rows)], now)


# 850


def _po_references(po: CanonicalOrder) -> list[Row]:
    """REF for the extrinsics that have an X12 reference qualifier."""
    return [
        ("REF", qualifier, limit(po.extrinsics[name], 30, f"REF*{qualifier}"))
        for qualifier, name in _REFERENCES
        if po.extrinsics.get(name)
    ]


_REFERENCES = (
    ("CO", "CustomerOrderNumber"),
    ("CT", "ContractNumber"),
    ("DP", "DepartmentNumber"),
    ("IA", "InternalVendorNumber"),
    ("PR", "PriceQuoteNumber"),
)


def _buyer_contact(po: CanonicalOrder) -> list[Row]:
    contact = po.buyer_contact
    if not contact.name:
        return []
    address = Address(phone=contact.phone, email=contact.email)
    return [("PER", "BD", limit(contact.name, 60, "PER02 buyer name"), *_contact(address))]


def _shared_delivery_date(lines: Sequence[OrderLine]) -> date | None:
    dates = {line.requested_delivery_date for line in lines}
    return dates.pop() if len(dates) == 1 else None


def _ordered_line(line: OrderLine, *, dated: bool) -> list[Row]:
    if line.unit_price is None:
        raise RenderError(f"850 line {line.line_number} has no unit price")
    ids = []
    for qualifier, value in (
        ("VP", line.supplier_part_id),
        ("MG", line.manufacturer_part_id),
        ("MF", line.manufacturer_name),
        ("BP", line.buyer_part_id),
    ):
        if value:
            ids.extend((qualifier, limit(value, 48, f"PO1 {qualifier} part id")))
    if not line.supplier_part_id:
        raise RenderError(f"850 line {line.line_number} has no supplier part id (VP)")
    rows: list[Row] = [
        (
            "PO1",
            str(line.line_number),
            decimal_text(line.quantity),
            line.unit_of_measure,
            decimal_text(line.unit_price),
            "",
            *ids,
        ),
        *_descriptions(line.description),
    ]
    if dated and line.requested_delivery_date is not None:
        rows.append(("DTM", _DELIVERY_REQUESTED, date_text(line.requested_delivery_date)))
    rows.extend(_messages(line.comments))
    return rows


# 855


def _acknowledgment_type(confirmation: OrderConfirmation, ordered: dict[int, OrderLine]) -> str:
    lines = confirmation.lines
    if confirmation.status == "reject":
        return "RD" if lines else "RJ"
    if not lines:
        return "AK"
    unchanged = all(_line_status(line, ordered.get(line.line_number)) == "IA" for line in lines)
    return "AD" if unchanged else "AC"


def _line_status(line: ConfirmationLine, ordered: OrderLine | None) -> str:
    if line.status in _LINE_STATUS:
        return _LINE_STATUS[line.status]
    if ordered is not None and line.quantity != ordered.quantity:
        return "IQ"
    if (
        ordered is not None
        and line.unit_price is not None
        and ordered.unit_price is not None
        and line.unit_price != ordered.unit_price
    ):
        return "IP"
    return "IA"


def _acknowledged_line(line: ConfirmationLine, ordered: OrderLine | None) -> list[Row]:
    source = ordered or line
    price = source.unit_price
    rows: list[Row] = [
        (
            "PO1",
            str(line.line_number),
            decimal_text(source.quantity),
            source.unit_of_measure,
            decimal_text(price) if price is not None else "",
            "",
            *_product_ids(source.buyer_part_id, source.supplier_part_id),
        )
    ]
    rows.extend(_descriptions(ordered.description if ordered is not None else None))
    dated = _scheduled(line)
    if line.ship_date is not None and line.delivery_date is not None:
        rows.append(("DTM", _SCHEDULED_DELIVERY, date_text(line.delivery_date)))
    rows.append(
        (
            "ACK",
            _line_status(line, ordered),
            decimal_text(line.quantity),
            line.unit_of_measure,
            *dated,
        )
    )
    rows.extend(_messages(line.comments))
    return rows


def _scheduled(line: ConfirmationLine) -> tuple[str, ...]:
    if line.ship_date is not None:
        return (_SCHEDULED_SHIP, date_text(line.ship_date))
    if line.delivery_date is not None:
        return (_SCHEDULED_DELIVERY, date_text(line.delivery_date))
    return ()


def _ordered(line: ConfirmationLine, ordered: dict[int, OrderLine]) -> OrderLine | ConfirmationLine:
    return ordered.get(line.line_number) or line


# 856


def _shipped(moment: datetime) -> Row:
    """DTM*011: in UTC with its time code when the time has a zone."""
    if moment.tzinfo is None:
        return ("DTM", _SHIPPED, date_text(moment), time_text(moment))
    utc = moment.astimezone(UTC)
    return ("DTM", _SHIPPED, date_text(utc), time_text(utc), "UT")


def _lading(notice: ShipNotice) -> Row:
    if notice.weight is None:
        return ("TD1", _CARTON, str(notice.packages))
    return (
        "TD1",
        _CARTON,
        str(notice.packages),
        "",
        "",
        "",
        "G",
        decimal_text(notice.weight),
        notice.weight_unit,
    )


def _shipped_item(number: int, line: ShipmentLine) -> list[Row]:
    ids = _product_ids(line.buyer_part_id, line.supplier_part_id)
    if not ids:
        raise RenderError(f"856 line {line.line_number} has no buyer or supplier part id")
    return [
        ("HL", str(number), "2", "I", "0"),
        ("LIN", str(line.line_number), *ids),
        ("SN1", str(line.line_number), decimal_text(line.quantity), line.unit_of_measure),
        *_descriptions(line.description),
    ]


def _carrier(notice: ShipNotice) -> Row:
    routing = " ".join(part for part in (notice.carrier, notice.service) if part)
    routing = limit(routing, 35, "TD505 routing")
    if notice.carrier_code:
        return ("TD5", "", "2", limit(notice.carrier_code, 4, "TD503 SCAC"), "", routing)
    return ("TD5", "", "", "", "", routing)


def _purchase_order_reference(order: CanonicalOrder) -> Row:
    po_date = order.order_date
    return (
        "PRF",
        _po_number(order, "PRF01"),
        "",
        "",
        date_text(po_date) if po_date is not None else "",
    )


# 810


def _invoice_summary(invoice: Invoice) -> list[Row]:
    rows: list[Row] = [("TDS", cents(invoice.total))]
    if invoice.tax_amount:
        rows.append(("TXI", "TX", decimal_text(invoice.tax_amount)))
    if invoice.shipping_amount:
        rows.append(("SAC", "C", _FREIGHT, "", "", cents(invoice.shipping_amount)))
    if invoice.discount_amount:
        rows.append(("SAC", "A", _DISCOUNT, "", "", cents(invoice.discount_amount)))
    total = sum((line.quantity for line in invoice.lines), Decimal(0))
    rows.append(("CTT", str(len(invoice.lines)), decimal_text(total)))
    return rows


# Shared


def _po_number(order: CanonicalOrder, where: str) -> str:
    return limit(order.external_order_id, 22, f"{where} purchase order number")


def _po_date(order: CanonicalOrder, where: str) -> date:
    if order.order_date is None:
        raise RenderError(f"{where} needs the purchase order date; order has none")
    return order.order_date


def _currency(currency: str) -> list[Row]:
    return [] if currency == "USD" else [("CUR", "SE", currency)]


def _messages(text: str | None) -> list[Row]:
    lines = chunks(text or "", 264)
    if not lines:
        return []
    return [("N9", "L1", "NOTES"), *(("MSG", line) for line in lines)]


def _descriptions(text: str | None) -> list[Row]:
    return [("PID", "F", "", "", "", line) for line in chunks(text or "", 80)]


def _product_ids(buyer_part_id: str | None, supplier_part_id: str | None) -> list[str]:
    ids = []
    for qualifier, value in (("BP", buyer_part_id), ("VP", supplier_part_id)):
        if value:
            ids.extend((qualifier, limit(value, 48, f"{qualifier} part id")))
    return ids


def _party(entity: str, address: Address | None) -> list[Row]:
    """An N1 loop: name and id, N2 attention lines, N3 street, N4 place, PER contact."""
    if address is None:
        return []
    where = f"N1*{entity}"
    name = limit(address.name or "", 60, f"{where} name")
    identifier = limit(address.address_id or "", 80, f"{where} id")
    if not (name or identifier):
        raise RenderError(f"{where} needs a name or an id")
    rows: list[Row] = [("N1", entity, name, "92" if identifier else "", identifier)]
    rows.extend(("N2", *pair) for pair in _pairs(address.deliver_to, 60, f"{where} N2"))
    streets = _pairs(address.street, 55, f"{where} N3")
    if len(streets) > 2:
        raise RenderError(f"{where} has more than four street lines")
    rows.extend(("N3", *pair) for pair in streets)
    place = (address.city, address.state, address.postal_code, address.country)
    if any(place):
        rows.append(("N4", *(value or "" for value in place)))
    contact = _contact(address)
    if contact:
        rows.append(("PER", "IC", "", *contact))
    return rows


def _contact(address: Address) -> list[str]:
    contact: list[str] = []
    if address.phone:
        contact.extend(("TE", limit(address.phone, 80, "PER phone")))
    if address.email:
        contact.extend(("EM", limit(address.email, 80, "PER email")))
    return contact


def _pairs(lines: Sequence[str], size: int, where: str) -> list[tuple[str, ...]]:
    kept = [limit(line, size, where) for line in lines if line]
    return [tuple(kept[i : i + 2]) for i in range(0, len(kept), 2)]
