"""cXML OrderRequest: a purchase order Order B2B sends a supplier.

The PO is a CanonicalOrder (see core.canonical, "suppliers"): From is us, the buyer,
To the supplier, Sender us with the secret the supplier gave us. A drop-shipped PO
carries extrinsics["dropship"] ("supplier" or "manufacturer") as a header Extrinsic,
and its ShipTo is the end customer with a complete postal address. cXML requires a
BillTo, a unit price, a description, a supplier part id and a Classification on
every line; a line without a classification gets an empty UNSPSC one.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from lxml import etree

from adapters.cxml.envelope import (
    LANG,
    Credentials,
    add,
    add_money,
    add_postal_address,
    day_text,
    document,
    quantity_text,
    timestamp_text,
)
from core.canonical import DROPSHIP_MODES, Address, CanonicalOrder, Contact, OrderLine

HEADER_TYPES = {"new": "new", "update": "update", "cancel": "delete"}
DEFAULT_CLASSIFICATION = "UNSPSC"

_PHONE = re.compile(r"\+(?P<country>[0-9]{1,4})\s+(?P<area>\S+)\s+(?P<number>.+)")
_EXTENSION = re.compile(r"\s+ext\.\s+(?P<extension>\S+)$")


def render_order_request(
    po: CanonicalOrder,
    credentials: Credentials,
    *,
    payload_id: str,
    timestamp: datetime,
    deployment_mode: str = "production",
) -> bytes:
    """The OrderRequest document for purchase order `po`."""
    if not po.lines:
        raise ValueError(f"purchase order {po.external_order_id} has no lines")
    request = etree.Element("OrderRequest")
    _header(request, po, timestamp)
    for line in po.lines:
        _item(request, po, line)
    return document(
        "cXML.dtd",
        credentials,
        request,
        payload_id=payload_id,
        timestamp=timestamp,
        deployment_mode=deployment_mode,
    )


def _header(request: etree._Element, po: CanonicalOrder, timestamp: datetime) -> None:
    dropship = _dropship(po)
    header = add(
        request,
        "OrderRequestHeader",
        orderID=po.external_order_id,
        orderDate=timestamp_text(po.order_date or timestamp),
        type=HEADER_TYPES[po.change_kind],
    )
    add_money(header, "Total", _total(po), po.currency)
    if po.ship_to is not None:
        _address(add(header, "ShipTo"), po.ship_to, "ShipTo", complete=bool(dropship))
    elif dropship:
        raise ValueError(f"drop-shipped purchase order {po.external_order_id} has no ship-to")
    if po.bill_to is None:
        raise ValueError(f"purchase order {po.external_order_id} has no bill-to")
    _address(add(header, "BillTo"), po.bill_to, "BillTo", complete=False)
    _charges(header, po)
    if po.payment is not None and po.payment.net_days is not None:
        add(header, "PaymentTerm", payInNumberOfDays=str(po.payment.net_days))
    _buyer(header, po.buyer_contact, po.bill_to.country)
    if po.comments:
        add(header, "Comments", po.comments, lang=LANG)
    if po.change_kind != "new" and po.changes_order_ref:
        add(header, "DocumentReference", payloadID=po.changes_order_ref)
    for name, value in po.extrinsics.items():
        add(header, "Extrinsic", value, name=name)


def _dropship(po: CanonicalOrder) -> str | None:
    mode = po.extrinsics.get("dropship")
    if mode is not None and mode not in DROPSHIP_MODES:
        raise ValueError(f"dropship must be one of {DROPSHIP_MODES}, not {mode!r}")
    return mode


def _total(po: CanonicalOrder) -> Decimal:
    if po.total_amount is not None:
        return po.total_amount
    total = sum((_unit_price(line) * line.quantity for line in po.lines), Decimal(0))
    extras = (po.shipping_amount, po.tax_amount)
    return total + sum((x for x in extras if x), Decimal(0)) - (po.discount_amount or 0)


def _charges(header: etree._Element, po: CanonicalOrder) -> None:
    """Shipping and Tax, each when its amount is known (cXML needs the Money)."""
    if po.shipping_amount is not None:
        shipping = add_money(header, "Shipping", po.shipping_amount, po.currency)
        add(shipping, "Description", po.shipping_method or "Shipping", lang=LANG)
    if po.tax_amount is not None:
        tax = add_money(header, "Tax", po.tax_amount, po.currency)
        add(tax, "Description", "Tax", lang=LANG)


def _buyer(header: etree._Element, contact: Contact, country: str | None) -> None:
    if not contact.name:
        return
    element = add(header, "Contact", role="buyerParty")
    add(element, "Name", contact.name, lang=LANG)
    if contact.email:
        add(element, "Email", contact.email)
    if contact.phone:
        _phone(element, contact.phone, country)


def _address(parent: etree._Element, address: Address, where: str, *, complete: bool) -> None:
    """Address with its name, postal address, email and phone. A drop-ship ShipTo must
    have a postal address a carrier can deliver to."""
    name = address.name or next(iter(address.deliver_to), None)
    if not name:
        raise ValueError(f"the {where} address has no name")
    postal = bool(address.street and address.city and address.country)
    if complete and not postal:
        raise ValueError(f"the drop-ship {where} address needs a street, a city and a country")
    attrs = {"isoCountryCode": address.country} if address.country else {}
    if address.address_id:
        attrs["addressID"] = address.address_id
    element = add(parent, "Address", **attrs)
    add(element, "Name", name, lang=LANG)
    if postal:
        add_postal_address(element, address)
    if address.email:
        add(element, "Email", address.email)
    if address.phone:
        _phone(element, address.phone, address.country)


def _phone(parent: etree._Element, phone: str, country: str | None) -> None:
    """TelephoneNumber from "+1 703 555-0142 ext. 12" (or any number, kept whole).
    cXML needs the ISO country of the number; without one the phone is left out."""
    if not country:
        return
    extension = _EXTENSION.search(phone)
    number = phone[: extension.start()] if extension else phone
    parts = _PHONE.fullmatch(number)
    telephone = add(add(parent, "Phone"), "TelephoneNumber")
    add(telephone, "CountryCode", parts["country"] if parts else "", isoCountryCode=country)
    add(telephone, "AreaOrCityCode", parts["area"] if parts else "")
    add(telephone, "Number", parts["number"] if parts else number)
    if extension:
        add(telephone, "Extension", extension["extension"])


def _item(request: etree._Element, po: CanonicalOrder, line: OrderLine) -> None:
    where = f"purchase order {po.external_order_id} line {line.line_number}"
    if not line.supplier_part_id:
        raise ValueError(f"{where} has no supplier part id")
    attrs = {"quantity": quantity_text(line.quantity), "lineNumber": str(line.line_number)}
    if line.requested_delivery_date is not None:
        zone = po.order_date.tzinfo if po.order_date else None
        attrs["requestedDeliveryDate"] = day_text(line.requested_delivery_date, zone)
    item = add(request, "ItemOut", **attrs)
    item_id = add(item, "ItemID")
    add(item_id, "SupplierPartID", line.supplier_part_id)
    if line.supplier_part_aux_id:
        add(item_id, "SupplierPartAuxiliaryID", line.supplier_part_aux_id)
    if line.buyer_part_id:
        add(item_id, "BuyerPartID", line.buyer_part_id)
    _detail(item, po, line)
    if line.comments:
        add(item, "Comments", line.comments, lang=LANG)


def _detail(item: etree._Element, po: CanonicalOrder, line: OrderLine) -> None:
    detail = add(item, "ItemDetail")
    add_money(detail, "UnitPrice", _unit_price(line), line.currency or po.currency)
    description = line.description or line.manufacturer_part_id or line.supplier_part_id
    add(detail, "Description", description, lang=LANG)
    add(detail, "UnitOfMeasure", line.unit_of_measure)
    classification = line.classification or {DEFAULT_CLASSIFICATION: ""}
    for domain, code in classification.items():
        add(detail, "Classification", code, domain=domain)
    if line.manufacturer_part_id:
        add(detail, "ManufacturerPartID", line.manufacturer_part_id)
    if line.manufacturer_name:
        add(detail, "ManufacturerName", line.manufacturer_name, lang=LANG)
    for name, value in line.extrinsics.items():
        add(detail, "Extrinsic", value, name=name)


def _unit_price(line: OrderLine) -> Decimal:
    if line.unit_price is None:
        raise ValueError(f"purchase order line {line.line_number} has no unit price")
    return line.unit_price
