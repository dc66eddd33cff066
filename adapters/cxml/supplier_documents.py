"""What suppliers send us in cXML about our purchase orders (Fulfill.dtd), and which
cXML request a body holds.

- `document_kind`: "OrderRequest", "ShipNoticeRequest", "ConfirmationRequest", ...
- `parse_ship_notice` / `parse_ship_notices`: ShipNoticeRequest to ReceivedShipNotice,
  one per purchase order the notice covers
- `parse_confirmation`: ConfirmationRequest to ReceivedConfirmation

The purchase order is the OrderReference orderID (or OrderIDInfo orderID). A portion
without ShipNoticeItems ships the whole order: its notice has no lines. Statuses of
type "unknown" say nothing yet and are left out. Bad input raises ParseError (cXML
status 400); a notice or confirmation that deletes an earlier one raises DocumentError
450, as nothing here can take a deletion back.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from adapters.cxml.parse import read_envelope
from adapters.xml import parse_xml
from core.canonical import (
    ConfirmationLine,
    ReceivedConfirmation,
    ReceivedShipmentLine,
    ReceivedShipNotice,
)
from core.errors import DocumentError, ParseError

CHANNEL = "cxml"
NOT_IMPLEMENTED = 450

CONFIRMATION_TYPES = {
    "accept": "accept",
    "reject": "reject",
    "detail": "detail",
    "allDetail": "detail",
    "except": "detail",
    "backordered": "backorder",
}
LINE_STATUSES = {
    "accept": "accept",
    "reject": "reject",
    "detail": "detail",
    "allDetail": "detail",
    "backordered": "backorder",
}
# UN/CEFACT Recommendation 20 weight units back to the carriers' codes.
WEIGHT_UNITS = {"LBR": "LB", "KGM": "KG", "ONZ": "OZ", "GRM": "G"}
_WEIGHTS = ("grossWeight", "weight")
_SUPPLIER_ORDER_DOMAINS = ("supplierreference", "supplierorderid", "salesorderid")
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")
_CLIP = 40


def document_kind(raw: bytes) -> str:
    """The element a cXML body carries: its Request's ("OrderRequest",
    "ShipNoticeRequest", ...), its Message's ("PunchOutOrderMessage") or "Response"."""
    root = parse_xml(raw)
    if _name(root) != "cXML":
        raise ParseError(f"not a cXML document: the root element is <{_clip(_name(root))}>")
    for child in _elements(root):
        if _name(child) == "Response":
            return "Response"
        if _name(child) in ("Request", "Message"):
            inner = next(_elements(child), None)
            if inner is None:
                raise ParseError(f"cXML {_name(child)} is empty")
            return _name(inner)
    raise ParseError("cXML has no Request, Message or Response")


# Ship notices


def parse_ship_notice(raw: bytes, partner: str) -> ReceivedShipNotice:
    """A supplier's ShipNoticeRequest about one of our purchase orders."""
    notices = parse_ship_notices(raw, partner)
    if len(notices) > 1:
        orders = ", ".join(notice.po_number for notice in notices)
        raise ParseError(f"ShipNoticeRequest covers several purchase orders ({_clip(orders)})")
    return notices[0]


def parse_ship_notices(raw: bytes, partner: str) -> list[ReceivedShipNotice]:
    """A supplier's ShipNoticeRequest: one notice per purchase order it ships."""
    request = _request(raw, "ShipNoticeRequest")
    header = _required_child(request, "ShipNoticeHeader", "ShipNoticeRequest")
    shipment_id = _required_attr(header, "shipmentID", "ShipNoticeHeader")
    _refuse_deletion(header, f"ShipNoticeHeader {shipment_id}")
    control = _child(request, "ShipControl")
    carrier, carrier_code = _carrier(control)
    weight, weight_unit = _weight(header, request)
    lines_by_order: dict[str, list[ReceivedShipmentLine]] = {}
    for portion in _children(request, "ShipNoticePortion"):
        lines = lines_by_order.setdefault(_order_id(portion, "ShipNoticePortion"), [])
        lines.extend(_shipped_line(item) for item in _children(portion, "ShipNoticeItem"))
    if not lines_by_order:
        raise ParseError(f"ShipNoticeRequest {_clip(shipment_id)} has no ShipNoticePortion")
    return [
        ReceivedShipNotice(
            channel=CHANNEL,
            partner=partner,
            po_number=po_number,
            shipment_id=shipment_id,
            carrier=carrier,
            tracking_number=_text(_child(control, "ShipmentIdentifier")) or "",
            lines=tuple(lines),
            shipped_at=_datetime(header, "shipmentDate", "ShipNoticeHeader"),
            carrier_code=carrier_code,
            service=_text(_child(header, "ServiceLevel")),
            delivery_date=_day(header, "deliveryDate", "ShipNoticeHeader"),
            packages=_packages(control),
            weight=weight,
            weight_unit=weight_unit,
            comments=_comments(header),
        )
        for po_number, lines in lines_by_order.items()
    ]


def _carrier(control: etree._Element | None) -> tuple[str, str | None]:
    """The carrier's name (companyName, else any identifier) and its SCAC."""
    by_domain: dict[str, str] = {}
    for identifier in _children(control, "CarrierIdentifier"):
        value = _text(identifier)
        if value:
            by_domain.setdefault((identifier.get("domain") or "").strip().lower(), value)
    scac = by_domain.get("scac")
    name = by_domain.get("companyname") or next(iter(by_domain.values()), None)
    return name or "", scac


def _packages(control: etree._Element | None) -> int:
    package = _child(control, "PackageIdentification")
    if package is None:
        return 1
    where = "PackageIdentification"
    first = _whole(_required_attr(package, "rangeBegin", where), f"{where} rangeBegin")
    last = _whole(_required_attr(package, "rangeEnd", where), f"{where} rangeEnd")
    if last < first:
        raise ParseError(f"{where} rangeEnd {last} is before rangeBegin {first}")
    return last - first + 1


def _weight(header: etree._Element, request: etree._Element) -> tuple[Decimal | None, str]:
    """The header's gross weight, else the sum of the items' packages (one unit)."""
    dimensions = _weights(_child(header, "Packaging"))
    if not dimensions:
        for item in request.iter("ShipNoticeItem"):
            for packaging in _children(item, "Packaging"):
                dimensions.extend(_weights(packaging))
    if not dimensions:
        return None, "LB"
    units = {unit for _, unit in dimensions}
    if len(units) > 1:
        raise ParseError(f"Packaging weights are in several units: {', '.join(sorted(units))}")
    return sum((weight for weight, _ in dimensions), Decimal(0)), units.pop()


def _weights(packaging: etree._Element | None) -> list[tuple[Decimal, str]]:
    found = []
    for dimension in _children(packaging, "Dimension"):
        if dimension.get("type") not in _WEIGHTS:
            continue
        where = "Packaging Dimension"
        weight = _decimal(_required_attr(dimension, "quantity", where), f"{where} quantity")
        unit = _text(_child(dimension, "UnitOfMeasure")) or "LBR"
        found.append((weight, WEIGHT_UNITS.get(unit.upper(), unit.upper())))
    return found


def _shipped_line(item: etree._Element) -> ReceivedShipmentLine:
    number = _line_number(item, "ShipNoticeItem")
    where = f"ShipNoticeItem line {number}"
    quantity = _quantity(item, where)
    if quantity <= 0:
        raise ParseError(f"{where} quantity {quantity} must be greater than zero")
    return ReceivedShipmentLine(
        line_number=number,
        quantity=quantity,
        unit_of_measure=_unit(item, where),
        supplier_part_id=_text(_child(_child(item, "ItemID"), "SupplierPartID")),
    )


# Confirmations


def parse_confirmation(raw: bytes, partner: str) -> ReceivedConfirmation:
    """A supplier's ConfirmationRequest about one of our purchase orders."""
    request = _request(raw, "ConfirmationRequest")
    header = _required_child(request, "ConfirmationHeader", "ConfirmationRequest")
    kind = _required_attr(header, "type", "ConfirmationHeader")
    if kind not in CONFIRMATION_TYPES:
        raise ParseError(f"ConfirmationHeader type '{_clip(kind)}' is not supported")
    confirm_id = _attr(header, "confirmID")
    _refuse_deletion(header, f"ConfirmationHeader {confirm_id or ''}".strip())
    reference = _required_child(request, "OrderReference", "ConfirmationRequest")
    lines = [
        line
        for item in _children(request, "ConfirmationItem")
        for line in _confirmed_lines(item, header)
    ]
    return ReceivedConfirmation(
        channel=CHANNEL,
        partner=partner,
        po_number=_required_attr(reference, "orderID", "OrderReference"),
        confirmation_id=confirm_id or _payload_id(request),
        status=CONFIRMATION_TYPES[kind],
        lines=tuple(lines),
        supplier_order_number=_supplier_order_number(header),
        confirmed_at=_datetime(header, "noticeDate", "ConfirmationHeader"),
        comments=_comments(header),
    )


def _confirmed_lines(item: etree._Element, header: etree._Element) -> list[ConfirmationLine]:
    number = _line_number(item, "ConfirmationItem")
    where = f"ConfirmationItem line {number}"
    item_unit = _text(_child(item, "UnitOfMeasure"))
    statuses = _children(item, "ConfirmationStatus")
    if not statuses:
        raise ParseError(f"{where} has no ConfirmationStatus")
    lines = []
    for position, status in enumerate(statuses, start=1):
        kind = _required_attr(status, "type", f"{where} ConfirmationStatus {position}")
        if kind == "unknown":
            continue
        if kind not in LINE_STATUSES:
            raise ParseError(f"{where} ConfirmationStatus type '{_clip(kind)}' is not supported")
        lines.append(_confirmed_line(number, status, kind, item_unit, f"{where} status {position}"))
    return lines


def _confirmed_line(
    number: int, status: etree._Element, kind: str, item_unit: str | None, where: str
) -> ConfirmationLine:
    quantity = _quantity(status, where)
    if quantity < 0:
        raise ParseError(f"{where} quantity {quantity} is negative")
    substitute = _child(status, "ItemIn")
    price_holder = _child(substitute, "ItemDetail") if substitute is not None else status
    item_id = _child(substitute, "ItemID")
    return ConfirmationLine(
        line_number=number,
        status=LINE_STATUSES[kind],
        quantity=quantity,
        unit_of_measure=_text(_child(status, "UnitOfMeasure")) or item_unit or _unit(status, where),
        unit_price=_money(_child(price_holder, "UnitPrice"), f"{where} UnitPrice"),
        supplier_part_id=_text(_child(item_id, "SupplierPartID")),
        buyer_part_id=_text(_child(item_id, "BuyerPartID")),
        ship_date=_day(status, "shipmentDate", where),
        delivery_date=_day(status, "deliveryDate", where),
        comments=_comments(status),
    )


def _supplier_order_number(header: etree._Element) -> str | None:
    for reference in _children(header, "IdReference"):
        if (reference.get("domain") or "").strip().lower() in _SUPPLIER_ORDER_DOMAINS:
            return _attr(reference, "identifier")
    return None


def _money(element: etree._Element | None, where: str) -> Decimal | None:
    money = _child(element, "Money")
    return None if money is None else _decimal(money.text or "", f"{where} Money")


# The document


def _request(raw: bytes, expected: str) -> etree._Element:
    """The request element of a cXML document that must hold `expected`."""
    root = parse_xml(raw)
    envelope = read_envelope(root)
    if envelope.request_kind != expected:
        raise ParseError(f"not a {expected}: the Request holds {_clip(envelope.request_kind)}")
    return next(_elements(_child(root, "Request")))


def _payload_id(request: etree._Element) -> str:
    return request.getroottree().getroot().get("payloadID", "").strip()


def _refuse_deletion(header: etree._Element, where: str) -> None:
    if (header.get("operation") or "new").strip() == "delete":
        raise DocumentError(
            f"{where} deletes an earlier document; deletions are not taken in",
            code=NOT_IMPLEMENTED,
        )


def _order_id(portion: etree._Element, where: str) -> str:
    """orderID of the OrderReference, or of OrderIDInfo in later cXML versions."""
    for tag in ("OrderReference", "OrderIDInfo"):
        reference = _child(portion, tag)
        if reference is not None:
            return _required_attr(reference, "orderID", f"{where} {tag}")
    raise ParseError(f"{where} has no OrderReference naming our purchase order")


# Values


def _line_number(item: etree._Element, where: str) -> int:
    value = _required_attr(item, "lineNumber", where)
    if not (value.isascii() and value.isdigit()):
        raise ParseError(f"{where} lineNumber '{_clip(value)}' is not a number")
    return int(value)


def _quantity(element: etree._Element, where: str) -> Decimal:
    return _decimal(_required_attr(element, "quantity", where), f"{where} quantity")


def _unit(element: etree._Element, where: str) -> str:
    unit = _text(_child(element, "UnitOfMeasure"))
    if unit is None:
        raise ParseError(f"{where} has no UnitOfMeasure")
    return unit


def _decimal(value: str, where: str) -> Decimal:
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        raise ParseError(f"{where} is not a number: '{_clip(text)}'")
    return Decimal(text)


def _whole(value: str, where: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise ParseError(f"{where} is not a whole number: '{_clip(value)}'")
    return int(value)


def _datetime(element: etree._Element, name: str, where: str) -> datetime | None:
    value = _attr(element, name)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ParseError(f"{where} {name} is not ISO 8601: '{_clip(value)}'") from None


def _day(element: etree._Element, name: str, where: str) -> date | None:
    """The calendar date of a cXML date-time, as written (in its own zone)."""
    value = _datetime(element, name, where)
    return value.date() if value is not None else None


def _comments(element: etree._Element) -> str | None:
    texts = [" ".join("".join(c.itertext()).split()) for c in _children(element, "Comments")]
    return "\n".join(text for text in texts if text) or None


# Tree helpers


def _elements(element: etree._Element):
    return (child for child in element if isinstance(child.tag, str))


def _child(element: etree._Element | None, tag: str) -> etree._Element | None:
    if element is not None:
        for child in element:
            if child.tag == tag:
                return child
    return None


def _children(element: etree._Element | None, tag: str) -> list[etree._Element]:
    return [] if element is None else [child for child in element if child.tag == tag]


def _required_child(element: etree._Element, tag: str, where: str) -> etree._Element:
    child = _child(element, tag)
    if child is None:
        raise ParseError(f"{where} has no {tag}")
    return child


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return " ".join("".join(element.itertext()).split()) or None


def _attr(element: etree._Element | None, name: str) -> str | None:
    value = element.get(name) if element is not None else None
    return (value.strip() or None) if value is not None else None


def _required_attr(element: etree._Element, name: str, where: str) -> str:
    value = _attr(element, name)
    if value is None:
        raise ParseError(f"{where} has no {name}")
    return value


def _name(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _clip(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _CLIP else value[: _CLIP - 3] + "..."
