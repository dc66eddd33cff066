"""cXML ConfirmationRequest: our answer to a buyer's OrderRequest.

Follows the rules of Fulfill.dtd: an accept or backordered confirmation may
list items whose statuses all have that type, a detail confirmation must list
items, a reject confirmation lists none. The statuses of an item cover the
quantity ordered; what a detail confirmation leaves open has status unknown.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from lxml import etree

from adapters.cxml.envelope import (
    LANG,
    Credentials,
    add,
    add_item_id,
    add_money,
    add_order_reference,
    day_text,
    document,
    ordered_line,
    quantity_text,
    timestamp_text,
)
from core.canonical import ConfirmationLine, OrderConfirmation, OrderLine

CXML_TYPES = {
    "accept": "accept",
    "reject": "reject",
    "detail": "detail",
    "backorder": "backordered",
}
_LINE_STATUSES_ALLOWED = {
    "accept": {"accept"},
    "backordered": {"backorder"},
    "reject": {"reject"},
    "detail": set(CXML_TYPES),
}


def render_confirmation(
    confirmation: OrderConfirmation,
    credentials: Credentials,
    *,
    payload_id: str,
    timestamp: datetime,
    deployment_mode: str = "production",
) -> bytes:
    """The ConfirmationRequest document for `confirmation`."""
    kind = CXML_TYPES[confirmation.status]
    lines = _confirmed_lines(confirmation, kind)
    request = etree.Element("ConfirmationRequest")
    _header(request, confirmation, kind, lines)
    add_order_reference(request, confirmation.order)
    for line in lines:
        _item(request, confirmation, kind, line)
    return document(
        "Fulfill.dtd",
        credentials,
        request,
        payload_id=payload_id,
        timestamp=timestamp,
        deployment_mode=deployment_mode,
    )


def _confirmed_lines(confirmation: OrderConfirmation, kind: str) -> tuple[ConfirmationLine, ...]:
    """The lines the document lists, after checking they fit the header type."""
    allowed = _LINE_STATUSES_ALLOWED[kind]
    for line in confirmation.lines:
        if line.status not in allowed:
            raise ValueError(
                f"a '{kind}' confirmation cannot carry line {line.line_number} "
                f"as '{line.status}'; confirm the order as 'detail'"
            )
    if kind == "detail" and not confirmation.lines:
        raise ValueError("a 'detail' confirmation lists its lines; this one has none")
    return () if kind == "reject" else confirmation.lines


def _header(
    request: etree._Element,
    confirmation: OrderConfirmation,
    kind: str,
    lines: tuple[ConfirmationLine, ...],
) -> None:
    header = add(
        request,
        "ConfirmationHeader",
        confirmID=confirmation.confirmation_id,
        operation="new",
        type=kind,
        noticeDate=timestamp_text(confirmation.confirmed_at),
    )
    total = _confirmed_total(confirmation, lines)
    if total is not None:
        add_money(header, "Total", total, confirmation.order.currency)
    if confirmation.comments:
        add(header, "Comments", confirmation.comments, lang=LANG)
    if confirmation.supplier_order_number:
        add(
            header,
            "IdReference",
            identifier=confirmation.supplier_order_number,
            domain="supplierReference",
        )


def _confirmed_total(
    confirmation: OrderConfirmation, lines: tuple[ConfirmationLine, ...]
) -> Decimal | None:
    """The value of the lines not rejected, when every one of them has a price."""
    if not lines:
        return None
    total = Decimal("0")
    for line in lines:
        if line.status == "reject":
            continue
        price = _unit_price(line, ordered_line(confirmation.order, line.line_number))
        if price is None:
            return None
        total += price * line.quantity
    return total


def _item(
    request: etree._Element, confirmation: OrderConfirmation, kind: str, line: ConfirmationLine
) -> None:
    ordered = ordered_line(confirmation.order, line.line_number)
    ordered_quantity = ordered.quantity if ordered is not None else line.quantity
    open_quantity = ordered_quantity - line.quantity
    where = f"line {line.line_number}"
    if open_quantity < 0:
        raise ValueError(
            f"{where} confirms {line.quantity}, more than the {ordered_quantity} ordered"
        )
    if open_quantity and kind != "detail":
        raise ValueError(
            f"{where} confirms {line.quantity} of {ordered_quantity}; "
            f"an '{kind}' confirmation covers the whole quantity, use 'detail'"
        )
    item = add(
        request,
        "ConfirmationItem",
        quantity=quantity_text(ordered_quantity),
        lineNumber=str(line.line_number),
    )
    add(item, "UnitOfMeasure", line.unit_of_measure)
    _status(item, confirmation, line, ordered)
    if open_quantity:
        status = add(
            item, "ConfirmationStatus", quantity=quantity_text(open_quantity), type="unknown"
        )
        add(status, "UnitOfMeasure", line.unit_of_measure)


def _status(
    item: etree._Element,
    confirmation: OrderConfirmation,
    line: ConfirmationLine,
    ordered: OrderLine | None,
) -> None:
    attrs = {"quantity": quantity_text(line.quantity), "type": CXML_TYPES[line.status]}
    if line.status != "reject":
        zone = confirmation.confirmed_at.tzinfo
        if line.ship_date is not None:
            attrs["shipmentDate"] = day_text(line.ship_date, zone)
        if line.delivery_date is not None:
            attrs["deliveryDate"] = day_text(line.delivery_date, zone)
    status = add(item, "ConfirmationStatus", **attrs)
    add(status, "UnitOfMeasure", line.unit_of_measure)
    if line.status == "detail":
        _details(status, confirmation, line, ordered)
    if line.comments:
        add(status, "Comments", line.comments, lang=LANG)


def _details(
    status: etree._Element,
    confirmation: OrderConfirmation,
    line: ConfirmationLine,
    ordered: OrderLine | None,
) -> None:
    """What a detail status changes: a substitute part (ItemIn) or a new unit price."""
    currency = confirmation.order.currency
    if _is_substitute(line, ordered):
        _substitute(status, line, ordered, currency)
    elif line.unit_price is not None:
        add_money(status, "UnitPrice", line.unit_price, currency)
    elif line.delivery_date is None:
        raise ValueError(
            f"line {line.line_number} is 'detail' but changes nothing: "
            "give a unit price, a delivery date or a substitute part"
        )


def _is_substitute(line: ConfirmationLine, ordered: OrderLine | None) -> bool:
    return bool(
        line.supplier_part_id
        and ordered is not None
        and ordered.supplier_part_id
        and line.supplier_part_id != ordered.supplier_part_id
    )


def _substitute(
    status: etree._Element, line: ConfirmationLine, ordered: OrderLine, currency: str
) -> None:
    """ItemIn for the part shipped instead of the one ordered."""
    where = f"substitute for line {line.line_number}"
    price = _unit_price(line, ordered)
    if price is None:
        raise ValueError(f"the {where} has no unit price")
    if not ordered.classification:
        raise ValueError(f"the {where} needs the ordered line's classification")
    item_in = add(
        status,
        "ItemIn",
        quantity=quantity_text(line.quantity),
        lineNumber=str(line.line_number),
    )
    add_item_id(item_in, line.supplier_part_id, line.buyer_part_id or ordered.buyer_part_id)
    detail = add(item_in, "ItemDetail")
    add_money(detail, "UnitPrice", price, currency)
    add(detail, "Description", _substitute_description(ordered), lang=LANG)
    add(detail, "UnitOfMeasure", line.unit_of_measure)
    for domain, code in ordered.classification.items():
        add(detail, "Classification", code, domain=domain)


def _substitute_description(ordered: OrderLine) -> str:
    replaced = " ".join(part for part in (ordered.supplier_part_id, ordered.description) if part)
    return f"Substitute for {replaced}"


def _unit_price(line: ConfirmationLine, ordered: OrderLine | None) -> Decimal | None:
    if line.unit_price is not None:
        return line.unit_price
    return ordered.unit_price if ordered is not None else None
